using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace CustomerLifecycle.WebConsole.Shell;

/// <summary>
/// What an API endpoint method answered, for a page that calls the method itself (so page and API cannot disagree):
/// the value of a 200, or the problem of a 4xx with its field errors.
/// </summary>
public sealed record EndpointAnswer<T>(T? Value, ProblemDetails? Problem)
    where T : class
{
    /// <summary>The problem in one line: its title, then each field's errors.</summary>
    public string? ProblemText => Problem is null
        ? null
        : Problem is HttpValidationProblemDetails { Errors.Count: > 0 } invalid
            ? string.Join("; ", invalid.Errors.Select(e => $"{e.Key} {string.Join(", ", e.Value)}"))
            : $"{Problem.Title}: {Problem.Detail}";
}

public static class EndpointAnswer
{
    public static EndpointAnswer<T> Of<T>(IResult result)
        where T : class => result switch
    {
        IValueHttpResult { Value: T value } => new(value, null),
        ProblemHttpResult problem => new(null, problem.ProblemDetails),
        _ => throw new InvalidOperationException($"The endpoint answered {result.GetType().Name}, which a console page cannot show."),
    };
}
