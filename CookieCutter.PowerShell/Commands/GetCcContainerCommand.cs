using System.Management.Automation;
using CookieCutter.Engine;
using CookieCutter.Engine.Store;
using CookieCutter.PowerShell.Completion;
using CookieCutter.PowerShell.Internal;

namespace CookieCutter.PowerShell.Commands;

/// <summary>
/// Lists containers in the store with their state.
/// </summary>
[Cmdlet(VerbsCommon.Get, "CcContainer")]
[OutputType(typeof(ContainerInfo))]
public sealed class GetCcContainerCommand : CcCmdlet
{
    /// <summary>Container names; wildcards are allowed.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(ContainerNameCompleter))]
    public string[]? Name { get; set; }

    /// <summary>Lists only containers in these states.</summary>
    [Parameter]
    public ContainerState[]? State { get; set; }

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        try
        {
            Store.EnsureExists();
            var containers = new ContainerStore(Store, new ImageStore(Store));
            IReadOnlyList<ContainerInfo> found = containers.List(NameFilter(Name));
            WriteObject(found.Where(c => State is null || State.Contains(c.State)), enumerateCollection: true);
            foreach (string pattern in (Name ?? []).Where(p => !WildcardPattern.ContainsWildcardCharacters(p)))
            {
                if (!found.Any(c => string.Equals(c.Name, pattern, StringComparison.OrdinalIgnoreCase)))
                {
                    WriteCcError(new CcException(
                        "ContainerNotFound",
                        CcErrorKind.NotFound,
                        $"Container '{pattern}' was not found. Run Get-CcContainer to list containers.",
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
