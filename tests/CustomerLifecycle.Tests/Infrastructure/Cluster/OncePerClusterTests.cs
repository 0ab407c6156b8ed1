using CustomerLifecycle.Analytics.Clv;
using CustomerLifecycle.Lifecycle.Journeys;
using CustomerLifecycle.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Wolverine.Runtime;

namespace CustomerLifecycle.Tests.Infrastructure.Cluster;

/// <summary>Two nodes on one database, as production runs them: each periodic job runs on exactly one of them.</summary>
public sealed class OncePerClusterTests : IAsyncLifetime
{
    private static readonly Uri[] Jobs = [new($"{LifecycleSweepAgent.UriScheme}://"), new($"{ClvRefitScheduleAgent.UriScheme}://")];

    private ClusterNode first = null!;
    private ClusterNode second = null!;

    private sealed class ClusterNode(string connectionString) : CustomerLifecycleApp
    {
        protected override Task<string> CreateDatabaseAsync() => Task.FromResult(connectionString);

        protected override bool RunsSolo => false;

        public bool Runs(Uri agent) => Services.GetRequiredService<IWolverineRuntime>().Agents.AllRunningAgentUris().Contains(agent);
    }

    public async Task InitializeAsync()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync("cluster");
        first = new ClusterNode(connectionString);
        await first.InitializeAsync();
        second = new ClusterNode(connectionString);
        await second.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await second.DisposeAsync();
        await first.DisposeAsync();
    }

    [Fact]
    public async Task The_sweep_and_the_clv_refit_schedule_each_run_on_exactly_one_node()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (DateTime.UtcNow < deadline && !Jobs.All(job => CountRunning(job) == 1))
        {
            await Task.Delay(TimeSpan.FromMilliseconds(500));
        }

        Assert.All(Jobs, job => Assert.Equal(1, CountRunning(job)));

        // Still once each a few health-check rounds later: no second node picks a job up beside the first.
        await Task.Delay(TimeSpan.FromSeconds(5));
        Assert.All(Jobs, job => Assert.Equal(1, CountRunning(job)));
    }

    private int CountRunning(Uri job) => new[] { first, second }.Count(node => node.Runs(job));
}
