using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using CookieCutter.Engine;
using CookieCutter.Engine.Store;

namespace CookieCutter.PowerShell.Completion;

/// <summary>
/// Completes container names from the store named by <c>COOKIECUTTER_ROOT</c>.
/// </summary>
public sealed class ContainerNameCompleter : IArgumentCompleter
{
    /// <inheritdoc/>
    public IEnumerable<CompletionResult> CompleteArgument(
        string commandName,
        string parameterName,
        string wordToComplete,
        CommandAst commandAst,
        IDictionary fakeBoundParameters)
    {
        CompletionText word = CompletionText.Parse(wordToComplete);
        var paths = StorePaths.FromEnvironment();
        var containers = new ContainerStore(paths, new ImageStore(paths));
        try
        {
            return containers.ContainerNames()
                .Where(word.Matches)
                .Select(name => word.Result(name, $"Container {name}"))
                .ToList();
        }
        catch (Exception error)
            when (error is CcException or IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
