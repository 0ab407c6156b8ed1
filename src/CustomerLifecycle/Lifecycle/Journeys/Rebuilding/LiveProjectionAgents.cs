namespace CustomerLifecycle.Lifecycle.Journeys.Rebuilding;

/// <summary>Stops a projection's live agent for the length of a rebuild and lets it resume afterwards.</summary>
public sealed class LiveProjectionAgents
{
    public Task<IAsyncDisposable> PauseAsync(string projection, CancellationToken ct) => Task.FromResult<IAsyncDisposable>(new Resume());

    private sealed class Resume : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
