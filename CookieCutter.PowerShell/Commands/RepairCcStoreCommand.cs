using System.Management.Automation;
using CookieCutter.Engine;
using CookieCutter.Engine.Store;
using CookieCutter.PowerShell.Internal;

namespace CookieCutter.PowerShell.Commands;

/// <summary>
/// Finds and removes what interrupted commands left in the store. These are mounts of containers
/// that no longer run (roots mounted with Mount-CcContainer included), half-written image versions
/// and containers, build and remove-on-exit containers whose command has ended, base-image work
/// folders and stale references. It also sets the store root to mode 0700. Entries that a
/// running command still uses are skipped. Returns one object per finding.
/// </summary>
[Cmdlet(VerbsDiagnostic.Repair, "CcStore", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(RepairFinding))]
public sealed class RepairCcStoreCommand : CcCmdlet
{
    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        try
        {
            var repair = new StoreRepair(Store);
            IReadOnlyList<RepairFinding> findings = RunOperation((sink, token) => repair.Repair(sink, token));
            WriteObject(findings, enumerateCollection: true);
        }
        catch (CcException error)
        {
            WriteCcError(error);
        }
    }
}
