using System.Globalization;

namespace CustomerLifecycle.WebConsole.Cohorts;

/// <summary>
/// How strongly a heat-map cell is tinted: the value's share of the largest value shown, in steps of 10 %, and the
/// text colour that keeps its contrast on that tint (white from half strength up, the theme's text below).
/// </summary>
public readonly record struct HeatShade(int Percent)
{
    public static HeatShade Of(double? value, double max) =>
        value is { } v && max > 0 && v > 0 ? new HeatShade((int)Math.Clamp(Math.Ceiling(10 * v / max) * 10, 10, 100)) : new HeatShade(0);

    public bool IsDark => Percent >= 50;

    public string TextClass => IsDark ? "dark" : "light";

    /// <summary>The theme's primary colour mixed into the page background.</summary>
    public string Style => Percent == 0
        ? ""
        : string.Create(CultureInfo.InvariantCulture, $"background-color: color-mix(in srgb, var(--rz-primary-darker) {Percent}%, var(--rz-base-background-color))");
}
