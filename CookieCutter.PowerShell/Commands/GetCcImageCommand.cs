using System.Management.Automation;
using CookieCutter.Engine;
using CookieCutter.Engine.Store;
using CookieCutter.PowerShell.Completion;
using CookieCutter.PowerShell.Internal;

namespace CookieCutter.PowerShell.Commands;

/// <summary>
/// Lists images in the store, with their current version or every version.
/// </summary>
[Cmdlet(VerbsCommon.Get, "CcImage")]
[OutputType(typeof(ImageInfo))]
public sealed class GetCcImageCommand : CcCmdlet
{
    /// <summary>Image names; wildcards are allowed.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(ImageNameCompleter))]
    public string[]? Name { get; set; }

    /// <summary>Lists every version instead of only the current one.</summary>
    [Parameter]
    public SwitchParameter AllVersions { get; set; }

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        try
        {
            Store.EnsureExists();
            var images = new ImageStore(Store);
            IReadOnlyList<ImageInfo> found = images.List(NameFilter(Name), AllVersions.IsPresent);
            WriteObject(found, enumerateCollection: true);
            foreach (string pattern in (Name ?? []).Where(p => !WildcardPattern.ContainsWildcardCharacters(p)))
            {
                if (!found.Any(i => string.Equals(i.Name, pattern, StringComparison.OrdinalIgnoreCase)))
                {
                    WriteCcError(new CcException(
                        "ImageNotFound",
                        CcErrorKind.NotFound,
                        $"Image '{pattern}' was not found. Run Get-CcImage to list images.",
                        pattern));
                }
            }
        }
        catch (CcException error)
        {
            WriteCcError(error);
        }
    }
}
