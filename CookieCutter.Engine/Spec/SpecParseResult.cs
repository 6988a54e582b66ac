namespace CookieCutter.Engine.Spec;

/// <summary>
/// Result of parsing a build spec: the steps, or the syntax errors when there are any.
/// </summary>
public sealed class SpecParseResult
{
    internal SpecParseResult(string file, IReadOnlyList<SpecStep> steps, IReadOnlyList<SpecError> errors)
    {
        File = file;
        Steps = errors.Count == 0 ? steps : [];
        Errors = errors;
    }

    /// <summary>Spec file, as given to the parser.</summary>
    public string File { get; }

    /// <summary>Steps in spec order; empty when there are errors.</summary>
    public IReadOnlyList<SpecStep> Steps { get; }

    /// <summary>Syntax errors in spec order; empty when the spec is valid.</summary>
    public IReadOnlyList<SpecError> Errors { get; }

    /// <summary>Whether the spec has no errors.</summary>
    public bool IsValid => Errors.Count == 0;

    /// <summary>
    /// Throws <c>InvalidBuildSpec</c> listing every error, one a line, unless the spec is valid.
    /// </summary>
    public void ThrowIfInvalid()
    {
        if (IsValid)
        {
            return;
        }

        string noun = Errors.Count == 1 ? "error" : "errors";
        string lines = string.Join(Environment.NewLine, Errors.Select(e => e.ToString()));
        throw new CcException(
            "InvalidBuildSpec",
            CcErrorKind.InvalidArgument,
            $"The build spec '{File}' has {Errors.Count} {noun}; nothing was built.{Environment.NewLine}{lines}",
            File);
    }
}
