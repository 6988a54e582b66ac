using System.Management.Automation;
using CookieCutter.Engine;
using CookieCutter.Engine.Build;
using CookieCutter.PowerShell.Completion;
using CookieCutter.PowerShell.Internal;

namespace CookieCutter.PowerShell.Commands;

/// <summary>
/// Removes images: the name and every version that no container or child image uses. An image
/// in use is rejected unless -Force, which still keeps the used versions on disk until their
/// users are gone.
/// </summary>
[Cmdlet(VerbsCommon.Remove, "CcImage", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(CleanupResult))]
public sealed class RemoveCcImageCommand : CcCmdlet
{
    /// <summary>Names of the images to remove.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ImageNameCompleter))]
    public string[] Name { get; set; } = [];

    /// <summary>Removes an image that containers or child images use, keeping only the versions they need, instead of rejecting it.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        var maintenance = new ImageMaintenance(Store);
        foreach (string name in Name)
        {
            try
            {
                CleanupResult result = RunOperation((sink, token) => maintenance.Remove(name, Force.IsPresent, sink, token));
                if (result.RemovedVersions.Count > 0)
                {
                    WriteObject(result);
                }
            }
            catch (CcException error)
            {
                WriteCcError(error);
            }
        }
    }
}
