namespace CustomerLifecycle.Analytics.Models;

/// <summary>Outcome of a maximum-likelihood fit.</summary>
/// <param name="Parameters">The maximising parameters.</param>
/// <param name="LogLikelihood">Total log-likelihood at <paramref name="Parameters"/>.</param>
/// <param name="Iterations">Optimiser iterations used, over all stages.</param>
/// <param name="Converged">
/// True when the largest gradient component of the mean log-likelihood with respect to the log-parameters
/// is below the fit's tolerance, i.e. a stationary point was reached rather than an iteration limit.
/// </param>
public sealed record ModelFitResult<TParameters>(TParameters Parameters, double LogLikelihood, int Iterations, bool Converged)
{
    /// <summary>Each parameter with its standard error, for the models that compute them (empty otherwise).</summary>
    public IReadOnlyList<ParameterEstimate> Estimates { get; init; } = [];
}
