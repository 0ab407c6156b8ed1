using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.Optimization;

namespace CustomerLifecycle.Analytics.Models;

/// <summary>
/// Maximum likelihood for models whose parameters are all positive. The optimiser works on θ = ln(parameter),
/// which removes the positivity constraints, and minimises the mean negative log-likelihood so that tolerances
/// do not depend on the number of customers. MathNet's BFGS (analytic gradient) does the work; its line search
/// can give up near a flat optimum or after a step into an overflow region, so the best point seen is kept,
/// and if the gradient there is not yet small a Nelder–Mead restart followed by another BFGS run polishes it.
/// </summary>
internal static class LogParameterOptimizer
{
    /// <summary>Convergence threshold on max |∂(mean ℓ)/∂ ln θ|.</summary>
    public const double GradientTolerance = 1e-6;

    /// <summary>Fills <c>gradient</c> with ∂ℓ/∂θᵢ (natural parameters) and returns the total log-likelihood ℓ.</summary>
    public delegate double LogLikelihoodWithGradient(double[] parameters, double[] gradient);

    public static OptimizerOutcome Maximize(
        LogLikelihoodWithGradient logLikelihood, double[] initialParameters, int observations, int maximumIterations) =>
        Maximize(logLikelihood, initialParameters, observations, maximumIterations, 1e-12);

    /// <param name="bfgsGradientTolerance">
    /// Where BFGS itself stops. An analytic gradient can drive it far below <see cref="GradientTolerance"/>; a numerical
    /// one has a noise floor near 1e-10, below which line searches crawl, so it stops just under the convergence threshold.
    /// </param>
    private static OptimizerOutcome Maximize(
        LogLikelihoodWithGradient logLikelihood,
        double[] initialParameters,
        int observations,
        int maximumIterations,
        double bfgsGradientTolerance)
    {
        var tracker = new BestPointTracker(logLikelihood, observations, initialParameters.Length);
        var objective = ObjectiveFunction.Gradient(tracker.Evaluate);
        var start = Vector<double>.Build.DenseOfEnumerable(initialParameters.Select(p => Math.Log(p)));
        var iterations = RunBfgs(objective, start, maximumIterations, bfgsGradientTolerance);
        if (!tracker.BestIsStationary)
        {
            var simplex = new NelderMeadSimplex(1e-12, maximumIterations);
            iterations += RunGuarded(() => simplex.FindMinimum(ObjectiveFunction.Value(tracker.Value), tracker.BestPoint));
            iterations += RunBfgs(objective, tracker.BestPoint, maximumIterations, bfgsGradientTolerance);
        }

        var parameters = tracker.BestPoint.Select(theta => Math.Exp(theta)).ToArray();
        return new OptimizerOutcome(parameters, -tracker.BestValue * observations, iterations, tracker.BestIsStationary);
    }

    /// <summary>
    /// As <see cref="Maximize"/> for a log-likelihood without an analytic gradient: ∂ℓ/∂θᵢ comes from central
    /// differences in ln θᵢ (step 1e-5, where truncation and rounding errors are both near 1e-10 of the mean).
    /// </summary>
    public static OptimizerOutcome MaximizeWithNumericalGradient(
        Func<double[], double> logLikelihood, double[] initialParameters, int observations, int maximumIterations) =>
        Maximize(
            (parameters, gradient) =>
            {
                const double step = 1e-5;
                var point = parameters.ToArray();
                for (var i = 0; i < point.Length; i++)
                {
                    point[i] = parameters[i] * Math.Exp(step);
                    var above = logLikelihood(point);
                    point[i] = parameters[i] * Math.Exp(-step);
                    var below = logLikelihood(point);
                    point[i] = parameters[i];
                    gradient[i] = (above - below) / (2 * step * parameters[i]);
                }

                return logLikelihood(parameters);
            },
            initialParameters,
            observations,
            maximumIterations,
            GradientTolerance / 10);

    private static int RunBfgs(IObjectiveFunction objective, Vector<double> start, int maximumIterations, double gradientTolerance)
    {
        var bfgs = new BfgsMinimizer(gradientTolerance, 1e-12, 1e-15, maximumIterations);
        return RunGuarded(() => bfgs.FindMinimum(objective, start));
    }

    /// <summary>A failed line search or an iteration limit is not fatal: the tracker holds the best point reached.</summary>
    private static int RunGuarded(Func<MinimizationResult> minimize)
    {
        try
        {
            return minimize().Iterations;
        }
        catch (OptimizationException)
        {
            return 0;
        }
        catch (ArgumentException)
        {
            return 0;
        }
    }

    private sealed class BestPointTracker(LogLikelihoodWithGradient logLikelihood, int observations, int dimension)
    {
        private readonly double[] parameters = new double[dimension];
        private readonly double[] gradient = new double[dimension];

        public Vector<double> BestPoint { get; private set; } = Vector<double>.Build.Dense(dimension);

        public double BestValue { get; private set; } = double.PositiveInfinity;

        public bool BestIsStationary { get; private set; }

        public double Value(Vector<double> theta) => Evaluate(theta).Value;

        /// <summary>Mean negative log-likelihood and its gradient in θ = ln(parameters); +∞ off the domain.</summary>
        public (double Value, Vector<double> Gradient) Evaluate(Vector<double> theta)
        {
            for (var i = 0; i < dimension; i++)
            {
                parameters[i] = Math.Exp(theta[i]);
            }

            var value = double.PositiveInfinity;
            var thetaGradient = Vector<double>.Build.Dense(dimension);
            if (parameters.All(p => p > 0 && double.IsFinite(p)))
            {
                var total = logLikelihood(parameters, gradient);
                for (var i = 0; i < dimension; i++)
                {
                    thetaGradient[i] = -gradient[i] * parameters[i] / observations;
                }

                if (double.IsFinite(total) && thetaGradient.All(double.IsFinite))
                {
                    value = -total / observations;
                }
                else
                {
                    thetaGradient.Clear();
                }
            }

            if (value < BestValue)
            {
                BestValue = value;
                BestPoint = theta.Clone();
                BestIsStationary = thetaGradient.AbsoluteMaximum() <= GradientTolerance;
            }

            return (value, thetaGradient);
        }
    }
}

/// <summary>Result of <see cref="LogParameterOptimizer.Maximize"/> in natural (not log) parameters.</summary>
internal sealed record OptimizerOutcome(double[] Parameters, double LogLikelihood, int Iterations, bool Converged);
