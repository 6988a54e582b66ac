using System.Management.Automation;
using CookieCutter.Engine;
using CookieCutter.Engine.Store;
using CookieCutter.PowerShell.Completion;
using CookieCutter.PowerShell.Internal;

namespace CookieCutter.PowerShell.Commands;

/// <summary>
/// Mounts a container's root file system in the host (the classic <c>cc-mount</c>), so that host
/// tools can read and change its files.
/// </summary>
[Cmdlet(VerbsData.Mount, "CcContainer", SupportsShouldProcess = true)]
[Alias("cc-mount")]
[OutputType(typeof(ContainerInfo))]
public sealed class MountCcContainerCommand : CcCmdlet
{
    /// <summary>Names of the containers to mount.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ContainerNameCompleter))]
    public string[] Name { get; set; } = [];

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
                if (!ShouldProcess(name, "Mount container root"))
                {
                    continue;
                }

                using (StoreLock.Acquire(Store.ContainerLock(name), CancellationToken.None))
                {
                    if (containers.Mount(name))
                    {
                        WriteVerbose($"Mounted the root of container '{name}'.");
                    }
                }

                WriteObject(containers.Get(name));
            }
            catch (CcException error)
            {
                WriteCcError(error);
            }
        }
    }
}
