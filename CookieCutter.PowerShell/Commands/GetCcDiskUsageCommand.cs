using System.Management.Automation;
using CookieCutter.Engine;
using CookieCutter.Engine.Store;
using CookieCutter.PowerShell.Internal;

namespace CookieCutter.PowerShell.Commands;

/// <summary>
/// Reports the bytes used by each container and each image version (the classic <c>cc-df</c>).
/// </summary>
[Cmdlet(VerbsCommon.Get, "CcDiskUsage")]
[Alias("cc-df")]
[OutputType(typeof(DiskUsageEntry))]
public sealed class GetCcDiskUsageCommand : CcCmdlet
{
    /// <summary>Reports only entries of these kinds.</summary>
    [Parameter(Position = 0)]
    public DiskUsageKind[]? Kind { get; set; }

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        try
        {
            Store.EnsureExists();
            IReadOnlyList<DiskUsageEntry> entries = RunOperation((_, _) => DiskUsage.Measure(Store));
            WriteObject(entries.Where(e => Kind is null || Kind.Contains(e.Kind)), enumerateCollection: true);
        }
        catch (CcException error)
        {
            WriteCcError(error);
        }
    }
}
