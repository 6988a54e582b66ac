using System.Management.Automation;
using CookieCutter.Engine;
using CookieCutter.Engine.Store;
using CookieCutter.Engine.Build;
using CookieCutter.PowerShell.Completion;
using CookieCutter.PowerShell.Internal;

namespace CookieCutter.PowerShell.Commands;

/// <summary>
/// Removes image versions that are not current and that no container or child image uses,
/// then cached build layers that nothing uses (the classic <c>cc-gc</c>), and reports the
/// bytes freed.
/// </summary>
[Cmdlet(VerbsCommon.Clear, "CcImage", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[Alias("cc-gc")]
[OutputType(typeof(CleanupResult))]
public sealed class ClearCcImageCommand : CcCmdlet
{
    /// <summary>Images whose old versions are removed; wildcards are allowed. All images when omitted, which also clears the build cache.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(ImageNameCompleter))]
    public string[]? Name { get; set; }

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        try
        {
            var maintenance = new ImageMaintenance(Store);
            foreach (string pattern in (Name ?? []).Where(p => !WildcardPattern.ContainsWildcardCharacters(p)))
            {
                Names.Validate(pattern, "image");
            }

            bool includeCache = Name is null || Name.Length == 0;
            WriteObject(RunOperation((sink, token) => maintenance.CollectGarbage(NameFilter(Name), includeCache, sink, token)));
        }
        catch (CcException error)
        {
            WriteCcError(error);
        }
    }
}
