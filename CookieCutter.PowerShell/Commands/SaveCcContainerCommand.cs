using System.Management.Automation;
using CookieCutter.Engine;
using CookieCutter.Engine.Build;
using CookieCutter.Engine.Store;
using CookieCutter.PowerShell.Completion;
using CookieCutter.PowerShell.Internal;

namespace CookieCutter.PowerShell.Commands;

/// <summary>
/// Saves a stopped container's changes as a new version of an image (the classic
/// <c>cc-save</c>). The container itself is left unchanged.
/// </summary>
[Cmdlet(VerbsData.Save, "CcContainer", SupportsShouldProcess = true)]
[Alias("cc-save")]
[OutputType(typeof(ImageInfo))]
public sealed class SaveCcContainerCommand : CcCmdlet
{
    /// <summary>Name of the stopped container to save.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ContainerNameCompleter))]
    public string Name { get; set; } = string.Empty;

    /// <summary>Name of the image that gets the new version; it is created when missing.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ArgumentCompleter(typeof(ImageNameCompleter))]
    public string Image { get; set; } = string.Empty;

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        try
        {
            if (!ShouldProcess(Name, $"Save container as a new version of image '{Image}'"))
            {
                return;
            }

            var maintenance = new ImageMaintenance(Store);
            WriteObject(RunOperation((sink, token) => maintenance.Save(Name, Image, sink, token)));
        }
        catch (CcException error)
        {
            WriteCcError(error);
        }
    }
}
