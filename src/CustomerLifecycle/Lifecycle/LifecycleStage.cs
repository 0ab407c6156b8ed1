namespace CustomerLifecycle.Lifecycle;

/// <summary>
/// Where a customer stands with us. The main path runs Prospect → Engaged → Trial → Customer → RepeatCustomer →
/// Loyal → Advocate; AtRisk, Churned and WonBack sit beside it. "No stage" (null) means we know nothing yet.
/// </summary>
public enum LifecycleStage
{
    Prospect,
    Engaged,
    Trial,
    Customer,
    RepeatCustomer,
    Loyal,
    Advocate,
    AtRisk,
    Churned,
    WonBack,
}

internal static class StageGroups
{
    /// <summary>The main path in order, lowest first: the steps of a funnel.</summary>
    public static readonly IReadOnlyList<LifecycleStage> MainPath =
    [
        LifecycleStage.Prospect, LifecycleStage.Engaged, LifecycleStage.Trial, LifecycleStage.Customer,
        LifecycleStage.RepeatCustomer, LifecycleStage.Loyal, LifecycleStage.Advocate,
    ];

    /// <summary>Nobody in these stages has paid us yet, so a payment is their first purchase.</summary>
    public static bool HasNotBought(this LifecycleStage? stage) =>
        stage is null or LifecycleStage.Prospect or LifecycleStage.Engaged or LifecycleStage.Trial;

    /// <summary>A live buying relationship: inactivity timers run and a referral makes an advocate.</summary>
    public static bool IsInGoodStanding(this LifecycleStage? stage) =>
        stage is LifecycleStage.Customer or LifecycleStage.RepeatCustomer or LifecycleStage.Loyal
            or LifecycleStage.Advocate or LifecycleStage.WonBack;

    /// <summary>Good standing, or at risk: everyone the churn timer applies to.</summary>
    public static bool IsBuyingRelationship(this LifecycleStage? stage) =>
        stage.IsInGoodStanding() || stage is LifecycleStage.AtRisk;

    /// <summary>
    /// Height on the main path, for "does the evidence justify moving up?". WonBack ranks as Customer because a
    /// won-back customer climbs the path again from there.
    /// </summary>
    public static int MainPathRank(this LifecycleStage stage) => stage switch
    {
        LifecycleStage.WonBack => (int)LifecycleStage.Customer,
        _ => (int)stage,
    };
}
