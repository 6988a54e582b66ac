using System.Management.Automation;
using CookieCutter.Engine;
using CookieCutter.Engine.Run;
using CookieCutter.Engine.Store;
using CookieCutter.PowerShell.Completion;
using CookieCutter.PowerShell.Internal;

namespace CookieCutter.PowerShell.Commands;

/// <summary>
/// Stops a running container (the classic <c>cc-stop</c>): SIGTERM to its processes, or a power-off
/// request to a booted container's init, then SIGKILL after the timeout, then unmounting.
/// </summary>
[Cmdlet(VerbsLifecycle.Stop, "CcContainer", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[Alias("cc-stop")]
[OutputType(typeof(ContainerInfo))]
public sealed class StopCcContainerCommand : CcCmdlet
{
    /// <summary>Names of the containers to stop.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ContainerNameCompleter))]
    public string[] Name { get; set; } = [];

    /// <summary>Seconds to wait after SIGTERM before SIGKILL.</summary>
    [Parameter]
    [ValidateRange(0, 3600)]
    public int Timeout { get; set; } = ContainerStore.DefaultGraceSeconds;

    /// <summary>Returns the stopped container.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        var containers = new ContainerStore(Store, new ImageStore(Store));
        var runner = new ContainerRunner(Store);
        foreach (string name in Name)
        {
            try
            {
                Names.Validate(name, "container");
                containers.Get(name);
                if (!ShouldProcess(name, "Stop container"))
                {
                    continue;
                }

                RunOperation((sink, token) =>
                {
                    sink.Verbose($"Stopping container '{name}'.");
                    containers.Stop(name, TimeSpan.FromSeconds(Timeout), token);
                    runner.Teardown(name, ContainerSettings.Load(Store.Container(name)).RemoveOnExit, sink);
                });
                if (PassThru.IsPresent && containers.TryGet(name) is { } stopped)
                {
                    WriteObject(stopped);
                }
            }
            catch (CcException error)
            {
                WriteCcError(error);
            }
        }
    }
}
