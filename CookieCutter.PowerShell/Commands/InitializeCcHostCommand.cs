using System.Management.Automation;
using CookieCutter.Engine;
using CookieCutter.Engine.Host;
using CookieCutter.PowerShell.Internal;

namespace CookieCutter.PowerShell.Commands;

/// <summary>
/// Checks the host, installs missing packages when asked, and creates the store with its
/// <c>empty</c> image (the classic <c>cc-setup</c>). Safe to run again.
/// </summary>
[Cmdlet(VerbsData.Initialize, "CcHost", SupportsShouldProcess = true)]
[Alias("cc-setup")]
[OutputType(typeof(HostReport))]
public sealed class InitializeCcHostCommand : CcCmdlet
{
    /// <summary>Installs missing host packages with apt-get.</summary>
    [Parameter]
    public SwitchParameter InstallMissing { get; set; }

    /// <inheritdoc/>
    protected override void EndProcessing()
    {
        try
        {
            if (!ShouldProcess(Store.Root, InstallMissing.IsPresent ? "Install missing packages and create the store" : "Create the store"))
            {
                return;
            }

            HostReport report = RunOperation((sink, token) => HostSetup.Run(Store, InstallMissing.IsPresent, sink, token));
            WriteObject(report);
        }
        catch (CcException error)
        {
            ThrowCcError(error);
        }
    }
}
