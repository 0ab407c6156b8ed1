namespace CustomerLifecycle.Analytics.Models;

internal static class ParameterValidation
{
    public static double RequirePositive(double value, string name) =>
        double.IsFinite(value) && value > 0
            ? value
            : throw new ArgumentOutOfRangeException(name, value, "Must be a finite number greater than zero.");

    public static double RequireNonNegative(double value, string name) =>
        double.IsFinite(value) && value >= 0
            ? value
            : throw new ArgumentOutOfRangeException(name, value, "Must be a finite number of at least zero.");
}
