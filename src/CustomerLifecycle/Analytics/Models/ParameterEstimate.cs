namespace CustomerLifecycle.Analytics.Models;

/// <summary>One fitted parameter with its asymptotic standard error (from the observed information matrix).</summary>
/// <param name="Name">The parameter's name in the model's paper (r, alpha, s, beta, a, b, …).</param>
/// <param name="Value">The maximum-likelihood estimate.</param>
/// <param name="StandardError">
/// √[(−H)⁻¹]ᵢᵢ with H the Hessian of the log-likelihood at the estimate; null when H is not negative definite
/// there (the optimum is on a ridge or at the edge of the parameter space, so the estimate is not identified).
/// </param>
public sealed record ParameterEstimate(string Name, double Value, double? StandardError);
