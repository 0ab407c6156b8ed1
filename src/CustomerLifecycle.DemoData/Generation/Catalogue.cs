namespace CustomerLifecycle.DemoData.Generation;

/// <summary>The demo shop (outdoor gear, with a paid "plus" membership) and the words its systems use.</summary>
internal static class Catalogue
{
    public static readonly IReadOnlyList<((string Category, string SkuPrefix) Item, double Weight)> Categories =
    [
        (("footwear", "FW"), 0.25), (("jackets", "JK"), 0.20), (("apparel", "AP"), 0.25), (("backpacks", "BP"), 0.10),
        (("camping", "CM"), 0.10), (("accessories", "AC"), 0.10),
    ];

    public static readonly IReadOnlyList<string> Pages =
    [
        "/", "/category/footwear", "/category/jackets", "/category/camping", "/product/trail-runner-2", "/product/storm-shell",
        "/product/day-pack-28", "/plus", "/sale", "/stores", "/blog/packing-list",
    ];

    public static readonly IReadOnlyList<string> SupportChannels = ["phone", "chat", "email"];

    public static readonly IReadOnlyList<string> PreSalesTopics = ["sizing question", "shipping costs", "product question", "plus membership"];

    public static readonly IReadOnlyList<string> SupportTopics = ["order status", "returns", "delivery time", "account access", "invoice copy"];

    public static readonly IReadOnlyList<string> RefundReasons = ["returned: wrong size", "returned: not as described", "damaged in transit", "late delivery", "changed mind"];

    public static readonly IReadOnlyList<(string Category, string Topic)> ComplaintCategories =
    [
        ("delivery", "late delivery"), ("product quality", "faulty product"), ("billing", "double charge"), ("service", "unhelpful answer"),
    ];

    public static readonly IReadOnlyList<(string Item, double Weight)> Severities = [("low", 0.30), ("medium", 0.35), ("high", 0.25), ("critical", 0.10)];

    public static readonly IReadOnlyList<string> Resolutions = ["replacement sent", "partial refund issued", "apology and voucher", "explained and closed"];

    public static readonly IReadOnlyList<string> CancellationReasons = ["too expensive", "not using it", "switching to a competitor", "moving abroad", "only wanted free shipping once"];

    public static readonly IReadOnlyList<string> ReferralChannels = ["email", "whatsapp", "link"];

    public static readonly IReadOnlyList<(string Tier, int Points)> Tiers = [("silver", 250), ("gold", 750), ("platinum", 1500)];
}
