using System.Collections;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Language;
using CookieCutter.Engine;
using CookieCutter.Engine.Store;

namespace CookieCutter.PowerShell.Completion;

/// <summary>
/// Completes image names from the store named by <c>COOKIECUTTER_ROOT</c>, and after
/// <c>NAME@</c> the versions of that image, newest first.
/// </summary>
public sealed class ImageNameCompleter : IArgumentCompleter
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
        var images = new ImageStore(StorePaths.FromEnvironment());
        try
        {
            int separator = word.Text.IndexOf('@', StringComparison.Ordinal);
            return separator < 0
                ? CompleteNames(images, word)
                : CompleteVersions(images, word, word.Text[..separator]);
        }
        catch (Exception error)
            when (error is CcException or IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    private static List<CompletionResult> CompleteNames(ImageStore images, CompletionText word) =>
        images.ImageNames()
            .Where(word.Matches)
            .Select(name => word.Result(name, $"Image {name}"))
            .ToList();

    private static List<CompletionResult> CompleteVersions(
        ImageStore images,
        CompletionText word,
        string name)
    {
        if (!Names.IsValid(name))
        {
            return [];
        }

        return images.Versions(name)
            .Where(version => version.Version.Length > 0)
            .OrderByDescending(version => version.Version, StringComparer.Ordinal)
            .Select(version => (Reference: $"{name}@{version.Version}", Version: version))
            .Where(item => word.Matches(item.Reference))
            .Select(item => word.Result(item.Reference, ToolTip(item.Version)))
            .ToList();
    }

    private static string ToolTip(ImageInfo version)
    {
        string created = version.Created.ToString("u", CultureInfo.InvariantCulture);
        string current = version.IsCurrent ? ", current" : string.Empty;
        return $"Image {version.Name}, version created {created}{current}";
    }
}
