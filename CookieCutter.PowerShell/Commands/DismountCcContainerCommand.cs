using System.Management.Automation;
using CookieCutter.Engine;
using CookieCutter.Engine.Store;
using CookieCutter.PowerShell.Completion;
using CookieCutter.PowerShell.Internal;

namespace CookieCutter.PowerShell.Commands;

/// <summary>
/// Unmounts a container's root file system from the host (the classic <c>cc-umount</c>).
/// A running container is refused: stop it first.
/// </summary>
[Cmdlet(VerbsData.Dismount, "CcContainer", SupportsShouldProcess = true)]
[Alias("cc-umount")]
[OutputType(typeof(ContainerInfo))]
public sealed class DismountCcContainerCommand : CcCmdlet
{
    /// <summary>Names of the containers to unmount.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ContainerNameCompleter))]
    public string[] Name { get; set; } = [];

    /// <summary>Returns the container after unmounting it.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        var containers = new ContainerStore(Store, new ImageStore(Store));
        foreach (string name in Name)
        {
            try
            {
                Names.Validate(name, "container");
                ContainerInfo container = containers.Get(name);
                if (container.State == ContainerState.Running)
                {
                    throw new CcException(
                        "ContainerRunning",
                        CcErrorKind.InvalidOperation,
                        $"Container '{name}' is running, so its root stays mounted. Stop it with Stop-CcContainer first.",
                        name);
                }

                if (!ShouldProcess(name, "Unmount container root"))
                {
                    continue;
                }

                using (StoreLock.Acquire(Store.ContainerLock(name), CancellationToken.None))
                {
                    if (containers.Unmount(name))
                    {
                        WriteVerbose($"Unmounted the root of container '{name}'.");
                    }
                }

                if (PassThru.IsPresent)
                {
                    WriteObject(containers.Get(name));
                }
            }
            catch (CcException error)
            {
                WriteCcError(error);
            }
        }
    }
}
