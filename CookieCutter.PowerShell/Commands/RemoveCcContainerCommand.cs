using System.Management.Automation;
using CookieCutter.Engine;
using CookieCutter.Engine.Run;
using CookieCutter.Engine.Store;
using CookieCutter.PowerShell.Completion;
using CookieCutter.PowerShell.Internal;

namespace CookieCutter.PowerShell.Commands;

/// <summary>
/// Deletes containers (the classic <c>cc-remove</c>). A running container is refused unless
/// -Force, which stops it first. Nothing outside the container's own file system is touched.
/// </summary>
[Cmdlet(VerbsCommon.Remove, "CcContainer", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[Alias("cc-remove")]
[OutputType(typeof(void))]
public sealed class RemoveCcContainerCommand : CcCmdlet
{
    /// <summary>Names of the containers to delete.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ContainerNameCompleter))]
    public string[] Name { get; set; } = [];

    /// <summary>Stops a running container before deleting it.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Seconds to wait after SIGTERM before SIGKILL when -Force stops a container.</summary>
    [Parameter]
    [ValidateRange(0, 3600)]
    public int Timeout { get; set; } = ContainerStore.DefaultGraceSeconds;

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        var containers = new ContainerStore(Store, new ImageStore(Store));
        foreach (string name in Name)
        {
            try
            {
                Names.Validate(name, "container");
                containers.Get(name);
                if (!ShouldProcess(name, "Remove container"))
                {
                    continue;
                }

                var runner = new ContainerRunner(Store);
                RunOperation((sink, token) => runner.Remove(name, Force.IsPresent, TimeSpan.FromSeconds(Timeout), sink, token));
            }
            catch (CcException error)
            {
                WriteCcError(error);
            }
        }
    }
}
