using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace CookieCutter.PowerShell.Completion;

/// <summary>
/// Completes build spec paths: <c>*.ccspec</c> files first, then folders, then any other file,
/// because a spec may have any name. PowerShell's own file name completion resolves the path
/// against the current location and quotes it.
/// </summary>
public sealed class SpecFileCompleter : IArgumentCompleter
{
    /// <summary>File name extension of build specs, with its dot.</summary>
    public const string SpecExtension = ".ccspec";

    /// <inheritdoc/>
    public IEnumerable<CompletionResult> CompleteArgument(
        string commandName,
        string parameterName,
        string wordToComplete,
        CommandAst commandAst,
        IDictionary fakeBoundParameters)
    {
        return CompletionCompleters.CompleteFilename(wordToComplete ?? string.Empty)
            .OrderBy(Rank)
            .ToList();
    }

    private static int Rank(CompletionResult result)
    {
        if (result.ResultType == CompletionResultType.ProviderContainer)
        {
            return 1;
        }

        string name = result.ListItemText;
        return name.EndsWith(SpecExtension, StringComparison.OrdinalIgnoreCase) ? 0 : 2;
    }
}
