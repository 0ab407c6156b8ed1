using CustomerLifecycle.Analytics.Models;

namespace CustomerLifecycle.WebConsole.ValueAndRisk;

/// <summary>RFM segment names and churn-reason codes as people read them (in English; pages translate them).</summary>
public static class SegmentNames
{
    public static string Of(RfmSegment segment) => segment switch
    {
        RfmSegment.Champions => "Champions",
        RfmSegment.LoyalCustomers => "Loyal customers",
        RfmSegment.PotentialLoyalist => "Potential loyalists",
        RfmSegment.NewCustomers => "New customers",
        RfmSegment.Promising => "Promising",
        RfmSegment.NeedAttention => "Need attention",
        RfmSegment.AboutToSleep => "About to sleep",
        RfmSegment.AtRisk => "At risk (RFM)",
        RfmSegment.CannotLoseThem => "Cannot lose them",
        RfmSegment.Hibernating => "Hibernating",
        _ => "Lost",
    };

    public static string Reason(string code) => code switch
    {
        "model_dropout" => "Purchase pattern (BG/NBD)",
        "overdue" => "Overdue",
        "open_complaints" => "Open complaints",
        "detractor" => "Detractor (NPS)",
        "falling_frequency" => "Buying less often",
        _ => code,
    };
}
