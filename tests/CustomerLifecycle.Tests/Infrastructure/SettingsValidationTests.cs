using CustomerLifecycle.Tests.Support;

namespace CustomerLifecycle.Tests.Infrastructure;

/// <summary>A service with one bad setting, which must refuse to start.</summary>
public sealed class BadSettingApp(string key, string value) : CustomerLifecycleApp
{
    protected override IEnumerable<(string Key, string Value)> Settings => [(key, value)];
}

/// <summary>Bad limits stop the service at start with a message naming the setting, not later under load.</summary>
public class SettingsValidationTests
{
    [Theory]
    [InlineData("Ingestion:MaxQueuedEvents", "0")]
    [InlineData("Ingestion:QuarantinePrefixBytes", "-1")]
    [InlineData("Ingestion:RequestBodyGracePeriod", "00:00:01")]
    [InlineData("Ingestion:MaxBatchBytes", "100")]
    [InlineData("Imports:MaxConcurrentImports", "0")]
    [InlineData("Analytics:Clv:MaxQueuedFits", "0")]
    [InlineData("Lifecycle:MaxCustomersPerTick", "0")]
    public async Task A_bad_setting_stops_the_start_with_its_name(string key, string value)
    {
        await using var app = new BadSettingApp(key, value);

        var failure = await Record.ExceptionAsync(app.InitializeAsync);

        Assert.NotNull(failure);
        Assert.Contains(key, failure.ToString(), StringComparison.Ordinal);
    }
}
