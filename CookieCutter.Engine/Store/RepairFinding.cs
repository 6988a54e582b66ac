namespace CookieCutter.Engine.Store;

/// <summary>Kind of leftover that <see cref="StoreRepair"/> finds in a store.</summary>
public enum RepairKind
{
    /// <summary>A mount below the root of a container that is not running.</summary>
    StaleMount,

    /// <summary>A reference hard link whose referrer is gone, so its link count is 1.</summary>
    StaleReference,

    /// <summary>A version folder (<c>versions/.partial-*</c>) that an interrupted commit left.</summary>
    PartialVersion,

    /// <summary>A temporary <c>.current-*</c> link that an interrupted commit left.</summary>
    PartialCurrentLink,

    /// <summary>A container folder (<c>containers/.NAME.creating</c>) that an interrupted create left.</summary>
    PartialContainer,

    /// <summary>A build container whose build has ended.</summary>
    OrphanedBuildContainer,

    /// <summary>A container made to be removed when its command ends, whose run has ended.</summary>
    LeftoverContainer,

    /// <summary>A base-image work folder (<c>tmp/bootstrap-*</c>) whose bootstrap has ended.</summary>
    BootstrapFolder,

    /// <summary>A store root that users other than its owner can read or enter.</summary>
    StorePermissions,
}

/// <summary>What <see cref="StoreRepair"/> did about a finding.</summary>
public enum RepairAction
{
    /// <summary>Nothing: -WhatIf was given or the change was declined.</summary>
    NotFixed,

    /// <summary>The mount was unmounted.</summary>
    Unmounted,

    /// <summary>The file, folder or container was deleted.</summary>
    Deleted,

    /// <summary>The permissions were set to owner only (mode 0700).</summary>
    PermissionsFixed,

    /// <summary>The fix was tried and failed; <see cref="RepairFinding.Detail"/> gives the error.</summary>
    Failed,
}

/// <summary>
/// A leftover found in the store, with the action taken on it.
/// </summary>
public sealed class RepairFinding
{
    internal RepairFinding(RepairKind kind, string path, RepairAction action, string detail)
    {
        Kind = kind;
        Path = path;
        Action = action;
        Detail = detail;
    }

    /// <summary>Kind of leftover.</summary>
    public RepairKind Kind { get; }

    /// <summary>Full path of the mount point, file or folder.</summary>
    public string Path { get; }

    /// <summary>Action taken.</summary>
    public RepairAction Action { get; }

    /// <summary>Why the entry counts as a leftover and, when the fix failed, the error.</summary>
    public string Detail { get; }
}
