using CustomerLifecycle.Lifecycle;

namespace CustomerLifecycle.WebConsole.Shell;

/// <summary>Stage names as people read them.</summary>
public static class StageNames
{
    public static string Of(LifecycleStage stage) => stage switch
    {
        LifecycleStage.RepeatCustomer => "Repeat customer",
        LifecycleStage.AtRisk => "At risk",
        LifecycleStage.WonBack => "Won back",
        _ => stage.ToString(),
    };

    public static string Of(LifecycleStage? stage) => stage is { } s ? Of(s) : "No stage";
}
