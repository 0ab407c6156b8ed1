namespace CustomerLifecycle.Analytics.Models;

/// <summary>
/// Runs of equal purchase counts in a sorted frequency array. Both likelihoods have terms (lnΓ of the count) that
/// depend only on the count, so the kernels evaluate them once per run instead of once per customer.
/// </summary>
internal static class FrequencyGroups
{
    /// <summary>The distinct counts and where each run starts; <c>Starts</c> ends with the array length.</summary>
    public static (int[] Frequencies, int[] Starts) Of(int[] sortedFrequencies)
    {
        var distinct = new List<int>();
        var starts = new List<int>();
        for (var i = 0; i < sortedFrequencies.Length; i++)
        {
            if (i == 0 || sortedFrequencies[i] != sortedFrequencies[i - 1])
            {
                distinct.Add(sortedFrequencies[i]);
                starts.Add(i);
            }
        }

        starts.Add(sortedFrequencies.Length);
        return ([.. distinct], [.. starts]);
    }
}
