using MathNet.Numerics.LinearAlgebra;

namespace CustomerLifecycle.Analytics.Models;

/// <summary>Asymptotic standard errors of positive parameters from a numerical Hessian of the log-likelihood.</summary>
internal static class StandardErrors
{
    private const double Step = 1e-3;

    /// <summary>
    /// The Hessian is taken in θ = ln(parameter) by central differences of the log-likelihood (where the surface is
    /// closest to quadratic) and mapped back by the delta method: SE(p) = p · SE(θ). Null entries mean the observed
    /// information is not positive definite.
    /// </summary>
    public static IReadOnlyList<ParameterEstimate> Estimate(
        Func<double[], double> logLikelihood, IReadOnlyList<string> names, IReadOnlyList<double> estimates)
    {
        var n = estimates.Count;
        var theta = estimates.Select(value => Math.Log(value)).ToArray();
        double At(int i, double di, int j, double dj)
        {
            var point = theta.ToArray();
            point[i] += di;
            point[j] += dj;
            return logLikelihood([.. point.Select(value => Math.Exp(value))]);
        }

        var information = Matrix<double>.Build.Dense(n, n);
        for (var i = 0; i < n; i++)
        {
            for (var j = i; j < n; j++)
            {
                var second = (At(i, Step, j, Step) - At(i, Step, j, -Step) - At(i, -Step, j, Step) + At(i, -Step, j, -Step))
                    / (4 * Step * Step);
                information[i, j] = -second;
                information[j, i] = -second;
            }
        }

        var standardErrors = new double?[n];
        if (Covariance(information) is { } covariance)
        {
            for (var i = 0; i < n; i++)
            {
                standardErrors[i] = covariance[i, i] > 0 ? estimates[i] * Math.Sqrt(covariance[i, i]) : null;
            }
        }

        return [.. Enumerable.Range(0, n).Select(i => new ParameterEstimate(names[i], estimates[i], standardErrors[i]))];
    }

    /// <summary>The inverse of the information matrix, or null when it is not positive definite.</summary>
    private static Matrix<double>? Covariance(Matrix<double> information)
    {
        if (!information.Enumerate().All(double.IsFinite))
        {
            return null;
        }

        try
        {
            var cholesky = information.Cholesky();
            return cholesky.Solve(Matrix<double>.Build.DenseIdentity(information.RowCount));
        }
        catch (ArgumentException)
        {
            return null;
        }
    }
}
