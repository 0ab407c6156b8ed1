using System.Globalization;

namespace CustomerLifecycle.WebConsole.Cohorts;

/// <summary>
/// How strongly a heat-map cell is tinted: the value's share of the largest value shown, in steps of 10 %, and the
/// text colour that keeps a contrast of 4.5:1 on that tint: on the light theme's dark blue, black up to 60 % and white
/// from 70 % (console.css; the dark theme's tints are all dark and take white).
/// </summary>
public readonly record struct HeatShade(int Percent)
{
    public static HeatShade Of(double? value, double max) =>
        value is { } v && max > 0 && v > 0 ? new HeatShade((int)Math.Clamp(Math.Ceiling(10 * v / max) * 10, 10, 100)) : new HeatShade(0);

    public bool IsDark => Percent >= 70;

    public string TextClass => IsDark ? "dark" : "light";

    /// <summary>The theme's primary colour mixed into the page background.</summary>
    public string Style => Percent == 0
        ? ""
        : string.Create(CultureInfo.InvariantCulture, $"background-color: color-mix(in srgb, var(--rz-primary-darker) {Percent}%, var(--rz-base-background-color))");
}
