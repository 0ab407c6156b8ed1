using CustomerLifecycle.DemoData;

namespace CustomerLifecycle.Tests.DemoData;

public class DemoDataOptionsTests
{
    private static readonly DateOnly Today = new(2026, 11, 23);

    [Fact]
    public void Without_options_it_posts_5000_customers_of_seed_42_ending_today_to_the_development_service()
    {
        var (options, error) = DemoDataOptions.Parse([], Today);

        Assert.Null(error);
        Assert.Equal((5_000, 42, Today), (options!.Settings.Customers, options.Settings.Seed, options.Settings.Until));
        Assert.Equal((new Uri("http://localhost:5080"), "dev-key-change-me", false, (string?)null), (options.Url, options.Key, options.DryRun, options.OutFile));
    }

    [Fact]
    public void Options_take_their_value_after_a_space_or_an_equals_sign()
    {
        var (options, _) = DemoDataOptions.Parse(["--customers=200", "--seed", "-3", "--until", "2026-01-31", "--url=http://demo:8080", "--out", "d.jsonl"], Today);

        Assert.Equal((200, -3, new DateOnly(2026, 1, 31)), (options!.Settings.Customers, options.Settings.Seed, options.Settings.Until));
        Assert.Equal((new Uri("http://demo:8080"), "d.jsonl"), (options.Url, options.OutFile));
    }

    [Theory]
    [InlineData("--colour", "unknown option --colour")]
    [InlineData("--customers=-5", "--customers:")]
    [InlineData("--until=23.11.2026", "--until:")]
    [InlineData("--seed", "--seed: needs a value")]
    [InlineData("--url=ftp://x", "--url:")]
    public void A_bad_option_is_named_in_the_error(string arg, string expected)
    {
        var (options, error) = DemoDataOptions.Parse([arg], Today);

        Assert.Null(options);
        Assert.StartsWith(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Dry_run_and_out_exclude_each_other()
    {
        Assert.Equal("--dry-run and --out exclude each other", DemoDataOptions.Parse(["--dry-run", "--out", "x.jsonl"], Today).Error);
    }
}
