using Microsoft.Extensions.Options;

namespace CustomerLifecycle.Infrastructure;

/// <summary>
/// Options checked when the host starts (ValidateOnStart): a bad setting stops the service at once with a message
/// naming the setting, instead of surfacing as odd behaviour under load.
/// </summary>
public static class SettingsValidation
{
    public static OptionsBuilder<T> ValidateSettingsOnStart<T>(this OptionsBuilder<T> builder, Func<T, IEnumerable<string>> problems)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<IValidateOptions<T>>(new Validator<T>(builder.Name, problems));
        return builder.ValidateOnStart();
    }

    private sealed class Validator<T>(string? name, Func<T, IEnumerable<string>> problems) : IValidateOptions<T>
        where T : class
    {
        public ValidateOptionsResult Validate(string? optionsName, T options)
        {
            if (name is not null && name != optionsName)
            {
                return ValidateOptionsResult.Skip;
            }

            var found = problems(options).ToList();
            return found.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(found);
        }
    }
}
