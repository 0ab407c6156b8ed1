namespace CustomerLifecycle.Analytics.Models;

/// <summary>Optional settings for a maximum-likelihood fit.</summary>
/// <param name="InitialGuess">Starting parameters; a data-driven default is used when null.</param>
/// <param name="MaximumIterations">Iteration limit for each optimiser stage.</param>
public sealed record ModelFitOptions<TParameters>(TParameters? InitialGuess = null, int MaximumIterations = 1000)
    where TParameters : class;
