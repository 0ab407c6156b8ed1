namespace CustomerLifecycle.DemoData.Generation;

/// <summary>
/// A seeded random source with the distributions the journeys need. Our own xoshiro256** rather than
/// <see cref="Random"/>, whose seeded sequence .NET does not promise to keep across versions: the same seed must
/// give the same touchpoints, and therefore the same event ids, next year too.
/// </summary>
internal sealed class DemoRandom
{
    private ulong s0, s1, s2, s3;

    public DemoRandom(ulong seed)
    {
        var state = seed;
        s0 = SplitMix(ref state);
        s1 = SplitMix(ref state);
        s2 = SplitMix(ref state);
        s3 = SplitMix(ref state);
    }

    /// <summary>An independent stream for one part (a customer, a friend): the parts do not shift when another changes.</summary>
    public static DemoRandom For(ulong seed, ulong part)
    {
        var state = seed ^ (part * 0x9E3779B97F4A7C15UL);
        return new DemoRandom(SplitMix(ref state));
    }

    public ulong NextUInt64()
    {
        var result = RotateLeft(s1 * 5, 7) * 9;
        var t = s1 << 17;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        s3 = RotateLeft(s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [0, maxExclusive).</summary>
    public int Next(int maxExclusive) => (int)(NextDouble() * maxExclusive);

    public int Between(int min, int maxInclusive) => min + Next(maxInclusive - min + 1);

    public double Between(double min, double max) => min + (NextDouble() * (max - min));

    public bool Chance(double probability) => NextDouble() < probability;

    public int NextInt32() => (int)(NextUInt64() >> 33);

    public T Pick<T>(IReadOnlyList<T> items) => items[Next(items.Count)];

    public T PickWeighted<T>(IReadOnlyList<(T Item, double Weight)> weighted)
    {
        var total = weighted.Sum(w => w.Weight);
        var roll = NextDouble() * total;
        foreach (var (item, weight) in weighted)
        {
            roll -= weight;
            if (roll < 0)
            {
                return item;
            }
        }

        return weighted[^1].Item;
    }

    /// <summary>Standard normal (Box–Muller).</summary>
    public double Normal()
    {
        var u1 = 1.0 - NextDouble();
        var u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    public double LogNormal(double median, double sigma) => median * Math.Exp(sigma * Normal());

    public double Exponential(double mean) => -mean * Math.Log(1.0 - NextDouble());

    public TimeSpan ExponentialDays(double meanDays) => TimeSpan.FromDays(Exponential(meanDays));

    /// <summary>Gamma(shape, scale), Marsaglia–Tsang; mean = shape × scale.</summary>
    public double Gamma(double shape, double scale)
    {
        if (shape < 1)
        {
            // Boost: Gamma(a) = Gamma(a + 1) × U^(1/a).
            return Gamma(shape + 1, scale) * Math.Pow(NextDouble() + double.Epsilon, 1.0 / shape);
        }

        var d = shape - (1.0 / 3.0);
        var c = 1.0 / Math.Sqrt(9.0 * d);
        while (true)
        {
            double x, v;
            do
            {
                x = Normal();
                v = 1.0 + (c * x);
            }
            while (v <= 0);

            v = v * v * v;
            var u = NextDouble();
            if (u < 1 - (0.0331 * x * x * x * x) || Math.Log(u) < (0.5 * x * x) + (d * (1 - v + Math.Log(v))))
            {
                return d * v * scale;
            }
        }
    }

    public double Beta(double a, double b)
    {
        var x = Gamma(a, 1);
        var y = Gamma(b, 1);
        return x / (x + y);
    }

    private static ulong SplitMix(ref ulong state)
    {
        var z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private static ulong RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));
}
