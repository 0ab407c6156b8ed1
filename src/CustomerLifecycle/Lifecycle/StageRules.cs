using CustomerLifecycle.Ingestion;

namespace CustomerLifecycle.Lifecycle;

/// <summary>
/// The event-caused rules: given the state before a fact and the fact, at most one transition, effective at the
/// fact's OccurredAt. Purchase-like facts are decided first, so a paid subscription start is a conversion and
/// never mere engagement. Every rule is documented on its id in <see cref="RuleIds"/>.
/// </summary>
internal static class StageRules
{
    public static (LifecycleState State, StageChange? Change) Apply(LifecycleState before, LifecycleFact fact, RuleSet rules)
    {
        var purchaseLike = IsPurchaseLike(before, fact.Detail);
        var after = before.Record(fact, purchaseLike, rules);
        var decision = purchaseLike ? OnPurchase(before.Stage, after, fact, rules) : OnOtherFact(before, after, fact, rules);
        if (decision is not var (to, ruleId))
        {
            return (after, null);
        }

        var change = new StageChange(before.Stage, to, ruleId, rules.Version, fact.OccurredAt, EventCause.Of(fact));
        return (after.Enter(to, fact.OccurredAt), change);
    }

    /// <summary>
    /// Orders always count. A subscription payment counts when it has a positive amount; a renewal without an
    /// amount counts unless we know the subscription started free (an unknown one is assumed paid: renewals
    /// are billing events).
    /// </summary>
    internal static bool IsPurchaseLike(LifecycleState state, FactDetail detail) => detail switch
    {
        Purchase => true,
        SubscriptionStart s => s.Amount > 0,
        SubscriptionRenewal { Amount: { } amount } => amount > 0,
        SubscriptionRenewal r => state.FindSubscription(r.SubscriptionId) is not { Paid: false },
        _ => false,
    };

    private static (LifecycleStage, string)? OnPurchase(LifecycleStage? stage, LifecycleState after, LifecycleFact fact, RuleSet rules)
    {
        if (stage.HasNotBought())
        {
            return (LifecycleStage.Customer, RuleIds.FirstPurchase);
        }

        return stage switch
        {
            LifecycleStage.Churned => (LifecycleStage.WonBack, RuleIds.WonBack),
            LifecycleStage.AtRisk => (Justified(after, fact.OccurredAt, rules), RuleIds.Recovered),
            LifecycleStage.Customer or LifecycleStage.RepeatCustomer or LifecycleStage.WonBack => Climb(stage.Value, after, fact.OccurredAt, rules),
            _ => null,
        };
    }

    /// <summary>The next main-path step a purchase earns; loyalty earned by this purchase wins over a held tier.</summary>
    private static (LifecycleStage, string)? Climb(LifecycleStage stage, LifecycleState after, DateTimeOffset at, RuleSet rules)
    {
        if (IsLoyalByFrequency(after.Spell!, at, rules))
        {
            return (LifecycleStage.Loyal, RuleIds.LoyalByFrequency);
        }

        if (IsLoyalByMembership(after, rules))
        {
            return (LifecycleStage.Loyal, RuleIds.LoyalByMembership);
        }

        var repeat = after.Spell!.Purchases >= 2 && LifecycleStage.RepeatCustomer.MainPathRank() > stage.MainPathRank();
        return repeat ? (LifecycleStage.RepeatCustomer, RuleIds.RepeatPurchase) : null;
    }

    /// <summary>The main-path stage the current spell's evidence supports, for a customer coming back from AtRisk.</summary>
    private static LifecycleStage Justified(LifecycleState after, DateTimeOffset at, RuleSet rules)
    {
        var spell = after.Spell!;
        if (spell.HasReferred)
        {
            return LifecycleStage.Advocate;
        }

        if (IsLoyalByFrequency(spell, at, rules) || IsLoyalByMembership(after, rules))
        {
            return LifecycleStage.Loyal;
        }

        return spell.Purchases >= 2 ? LifecycleStage.RepeatCustomer : LifecycleStage.Customer;
    }

    private static bool IsLoyalByFrequency(BuyingSpell spell, DateTimeOffset at, RuleSet rules) =>
        rules.LoyalByFrequencyEnabled
        && spell.RecentPurchaseTimes.Count(p => p >= at - rules.LoyalWindow && p <= at) >= rules.LoyalMinPurchases;

    private static bool IsLoyalByMembership(LifecycleState state, RuleSet rules) =>
        rules.LoyalByMembershipEnabled && state.Counters.MembershipTier is not null;

    private static (LifecycleStage, string)? OnOtherFact(LifecycleState before, LifecycleState after, LifecycleFact fact, RuleSet rules)
    {
        var stage = before.Stage;
        var prospective = stage is null or LifecycleStage.Prospect;
        (LifecycleStage, string)? decision = fact.Detail switch
        {
            Engagement e when prospective => (LifecycleStage.Engaged, e.Kind switch
            {
                EngagementKind.Lead => RuleIds.EngagedByLead,
                EngagementKind.SignUp => RuleIds.EngagedBySignup,
                _ => RuleIds.EngagedByContact,
            }),
            Referral when prospective => (LifecycleStage.Engaged, RuleIds.EngagedByReferral),
            Referral when stage.IsInGoodStanding() && stage is not LifecycleStage.Advocate => (LifecycleStage.Advocate, RuleIds.AdvocateByReferral),
            SubscriptionStart when prospective => (LifecycleStage.Engaged, RuleIds.EngagedByFreeSubscription),
            TrialStart when prospective || stage is LifecycleStage.Engaged => (LifecycleStage.Trial, RuleIds.TrialStarted),
            TrialEnd { Outcome: TrialOutcome.Expired or TrialOutcome.Cancelled } when stage is LifecycleStage.Trial =>
                (LifecycleStage.Engaged, RuleIds.TrialLapsed),
            MembershipChange when stage is LifecycleStage.Customer or LifecycleStage.RepeatCustomer or LifecycleStage.WonBack
                && IsLoyalByMembership(after, rules) => (LifecycleStage.Loyal, RuleIds.LoyalByMembership),
            SurveyAnswer { Survey: SurveyKind.Nps } nps when rules.DetractorAtRiskEnabled && stage.IsInGoodStanding()
                && nps.Score <= rules.DetractorMaxScore => (LifecycleStage.AtRisk, RuleIds.DetractorAtRisk),
            SubscriptionCancellation c when EndsSubscriptionRelationship(before, after, c, rules) =>
                (LifecycleStage.Churned, RuleIds.SubscriptionCancelledChurned),
            _ => null,
        };
        return decision ?? (stage is null ? (LifecycleStage.Prospect, RuleIds.FirstTouch) : null);
    }

    private static bool EndsSubscriptionRelationship(LifecycleState before, LifecycleState after, SubscriptionCancellation cancellation, RuleSet rules) =>
        rules.SubscriptionCancelledChurnEnabled
        && before.Stage.IsBuyingRelationship()
        && before.FindSubscription(cancellation.SubscriptionId) is { Paid: true } cancelled
        && !after.Subscriptions.Exists(s => s.Paid)
        && !(before.LastOrderAt >= cancelled.StartedAt);
}
