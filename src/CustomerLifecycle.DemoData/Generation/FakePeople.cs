using Bogus;

namespace CustomerLifecycle.DemoData.Generation;

/// <summary>
/// Fake names, emails and phone numbers from Bogus, one faker per locale for a whole run (building one is far
/// dearer than using it), reseeded from the person's own stream before each person so the output stays repeatable.
/// </summary>
internal sealed class FakePeople
{
    private readonly Dictionary<string, Faker> fakers = new(StringComparer.Ordinal);

    public (string Name, string Email, string Phone) Next(string locale, int seed, string phoneFormat)
    {
        if (!fakers.TryGetValue(locale, out var faker))
        {
            fakers[locale] = faker = new Faker(locale);
        }

        faker.Random = new Randomizer(seed);
        var first = faker.Name.FirstName();
        var last = faker.Name.LastName();
        // Example domains only: demo data must never hold a real person's address.
        return ($"{first} {last}", faker.Internet.ExampleEmail(first, last), faker.Phone.PhoneNumber(phoneFormat));
    }
}
