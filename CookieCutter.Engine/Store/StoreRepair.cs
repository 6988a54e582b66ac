using System.Globalization;
using System.Text.RegularExpressions;
using CookieCutter.Engine.Layers;

namespace CookieCutter.Engine.Store;

/// <summary>
/// Finds and removes what interrupted commands leave in a store. These are mounts of containers
/// that no longer run, half-written versions and containers, build and remove-on-exit containers
/// whose command is gone, base-image work folders, stale references and a readable store root.
/// </summary>
/// <remarks>
/// An entry counts as a leftover only when the lock its writer holds is free: the container's
/// name lock and running lock for container entries, the image's name lock for its versions.
/// Cached build layers, base-image work folders and child-image references are written under
/// the lock of whichever image is being built, so they are touched only while no image lock at
/// all is held. Entries that are in use are skipped and reported as verbose messages.
/// </remarks>
public sealed partial class StoreRepair
{
    private const string CreatingSuffix = ".creating";

    private readonly ContainerStore containers;

    /// <summary>Creates a repair over a store.</summary>
    public StoreRepair(StorePaths paths)
    {
        Paths = paths;
        containers = new ContainerStore(paths, new ImageStore(paths));
    }

    /// <summary>Store paths.</summary>
    public StorePaths Paths { get; }

    /// <summary>
    /// Finds every leftover and, for each that <see cref="IOperationSink.ShouldProcess"/>
    /// approves, removes it. Returns one finding per leftover, fixed or not.
    /// </summary>
    public IReadOnlyList<RepairFinding> Repair(IOperationSink sink, CancellationToken cancellationToken)
    {
        Paths.EnsureExists();
        var findings = new List<RepairFinding>();
        var repair = new Pass(findings, sink, cancellationToken);

        RepairStorePermissions(repair);

        RepairStaleMounts(repair);

        RepairPartialContainers(repair);

        RepairLeftoverContainers(repair);

        RepairPartialVersions(repair);

        RepairBootstrapFolders(repair);

        RepairStaleReferences(repair);

        return findings;
    }

    [GeneratedRegex("^build-.+-[a-z0-9]{6}$", RegexOptions.CultureInvariant)]
    private static partial Regex ImageBuildContainerName();

    [GeneratedRegex(@"\.build-(?<pid>[0-9]+)$", RegexOptions.CultureInvariant)]
    private static partial Regex BaseImageBuildContainerName();

    private void RepairStorePermissions(Pass repair)
    {
        UnixFileMode mode = File.GetUnixFileMode(Paths.Root);
        const UnixFileMode OwnerOnly =
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        if ((mode & ~OwnerOnly) == 0)
        {
            return;
        }

        string shown = Convert.ToString((int)mode, 8);
        repair.Fix(
            RepairKind.StorePermissions,
            Paths.Root,
            $"The store root has mode 0{shown}, but only its owner may read it.",
            "Set mode 0700",
            RepairAction.PermissionsFixed,
            () => File.SetUnixFileMode(Paths.Root, OwnerOnly));
    }

    private void RepairStaleMounts(Pass repair)
    {
        var byContainer = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (string mountPoint in MountTable.Read().Distinct(StringComparer.Ordinal))
        {
            if (!MountTable.IsBelow(mountPoint, Paths.Containers))
            {
                continue;
            }

            string[] parts = Path.GetRelativePath(Paths.Containers, mountPoint).Split('/');
            if (parts.Length < 2 || parts[1] != "filesystem" || !Names.IsValid(parts[0]))
            {
                continue;
            }

            if (!byContainer.TryGetValue(parts[0], out List<string>? points))
            {
                points = [];
                byContainer[parts[0]] = points;
            }

            points.Add(mountPoint);
        }

        // NOTE: a root mounted with Mount-CcContainer looks the same as one a killed run left, so
        // it is unmounted too. The store records no owner for a mount that would tell them apart.
        foreach ((string name, List<string> points) in byContainer)
        {
            using StoreLock? nameLock = TryLockIdleContainer(name, repair.Sink);
            if (nameLock is null)
            {
                continue;
            }

            foreach (string mountPoint in points.OrderByDescending(p => p.Length))
            {
                repair.Fix(
                    RepairKind.StaleMount,
                    mountPoint,
                    $"Container '{name}' is not running, but its root is still mounted.",
                    "Unmount",
                    RepairAction.Unmounted,
                    () => Overlay.Unmount(mountPoint));
            }
        }
    }

    private void RepairPartialContainers(Pass repair)
    {
        if (!Directory.Exists(Paths.Containers))
        {
            return;
        }

        foreach (string path in Directory.EnumerateDirectories(Paths.Containers, "." + "*" + CreatingSuffix))
        {
            string folder = Path.GetFileName(path);
            string name = folder[1..^CreatingSuffix.Length];
            if (!Names.IsValid(name))
            {
                continue;
            }

            using StoreLock? nameLock = StoreLock.TryAcquire(Paths.ContainerLock(name));
            if (nameLock is null)
            {
                repair.Sink.Verbose($"Skipped '{path}': container '{name}' is being created.");
                continue;
            }

            repair.Fix(
                RepairKind.PartialContainer,
                path,
                $"The creation of container '{name}' was interrupted.",
                "Delete",
                RepairAction.Deleted,
                () => FileTree.Delete(path));
        }
    }

    private void RepairLeftoverContainers(Pass repair)
    {
        foreach (string name in containers.ContainerNames())
        {
            string path = Paths.Container(name);
            ContainerSettings settings = ContainerSettings.Load(path);
            RepairKind? kind = ClassifyEndedContainer(name, settings);
            if (kind is null)
            {
                continue;
            }

            using StoreLock? nameLock = TryLockIdleContainer(name, repair.Sink);
            if (nameLock is null)
            {
                continue;
            }

            string detail = kind == RepairKind.OrphanedBuildContainer
                ? $"Build container '{name}' is left from a build that has ended."
                : $"Container '{name}' was to be removed when its command ended, and the command has ended.";
            repair.Fix(
                kind.Value,
                path,
                detail,
                "Remove container",
                RepairAction.Deleted,
                () => containers.Remove(name));
        }
    }

    /// <summary>
    /// Returns the kind of leftover a container is when nothing runs in it, or null when it is
    /// a container the user keeps. Image builds name theirs <c>build-IMAGE-xxxxxx</c> and mark
    /// them remove-on-exit. Base-image builds name theirs <c>SUITE.build-PID</c> and keep them
    /// between the run and the commit, so those count only once process PID is gone.
    /// </summary>
    private static RepairKind? ClassifyEndedContainer(string name, ContainerSettings settings)
    {
        Match baseBuild = BaseImageBuildContainerName().Match(name);
        if (baseBuild.Success)
        {
            bool parsed = int.TryParse(
                baseBuild.Groups["pid"].Value,
                NumberStyles.None,
                CultureInfo.InvariantCulture,
                out int pid);
            return parsed && Directory.Exists($"/proc/{pid}") ? null : RepairKind.OrphanedBuildContainer;
        }

        if (!settings.RemoveOnExit)
        {
            return null;
        }

        return ImageBuildContainerName().IsMatch(name)
            ? RepairKind.OrphanedBuildContainer
            : RepairKind.LeftoverContainer;
    }

    private void RepairPartialVersions(Pass repair)
    {
        var shared = new List<(RepairKind Kind, string Path)>();
        foreach (string imagePath in Directory.EnumerateDirectories(Paths.Images))
        {
            string image = Path.GetFileName(imagePath);
            var leftovers = new List<(RepairKind Kind, string Path)>();
            foreach (string link in Directory.EnumerateFileSystemEntries(imagePath, ".current-*"))
            {
                leftovers.Add((RepairKind.PartialCurrentLink, link));
            }

            string versions = Path.Combine(imagePath, "versions");
            if (Directory.Exists(versions))
            {
                string pattern = ImageStore.PartialPrefix + "*";
                foreach (string partial in Directory.EnumerateDirectories(versions, pattern))
                {
                    leftovers.Add((RepairKind.PartialVersion, partial));
                }
            }

            if (leftovers.Count == 0)
            {
                continue;
            }

            if (!Names.IsValid(image))
            {
                shared.AddRange(leftovers);
                continue;
            }

            using StoreLock? imageLock = StoreLock.TryAcquire(Paths.ImageLock(image));
            if (imageLock is null)
            {
                repair.Sink.Verbose(
                    $"Skipped the partial versions of image '{image}': a command holds its lock.");
                continue;
            }

            foreach ((RepairKind kind, string path) in leftovers)
            {
                FixPartialVersion(repair, kind, path);
            }
        }

        if (shared.Count > 0 && !SkipWhileImagesLocked(repair.Sink, "the partial cached layers"))
        {
            foreach ((RepairKind kind, string path) in shared)
            {
                FixPartialVersion(repair, kind, path);
            }
        }
    }

    private static void FixPartialVersion(Pass repair, RepairKind kind, string path)
    {
        bool isLink = kind == RepairKind.PartialCurrentLink;
        repair.Fix(
            kind,
            path,
            isLink
                ? "A change of the current version was interrupted."
                : "The commit of this version was interrupted.",
            "Delete",
            RepairAction.Deleted,
            () =>
            {
                if (isLink)
                {
                    File.Delete(path);
                }
                else
                {
                    FileTree.Delete(path);
                }
            });
    }

    private void RepairBootstrapFolders(Pass repair)
    {
        string tmp = Path.Combine(Paths.Root, "tmp");
        if (!Directory.Exists(tmp))
        {
            return;
        }

        List<string> folders = Directory.EnumerateDirectories(tmp, "bootstrap-*").ToList();
        if (folders.Count == 0 || SkipWhileImagesLocked(repair.Sink, "the base-image work folders"))
        {
            return;
        }

        foreach (string folder in folders)
        {
            repair.Fix(
                RepairKind.BootstrapFolder,
                folder,
                "A base-image bootstrap that has ended left this work folder.",
                "Unmount what is mounted below and delete",
                RepairAction.Deleted,
                () =>
                {
                    var mountPoints = MountTable.Read().Where(m => MountTable.IsBelow(m, folder));
                    foreach (string mountPoint in mountPoints.Reverse())
                    {
                        Overlay.UnmountAny(mountPoint);
                    }

                    FileTree.Delete(folder);
                });
        }
    }

    private void RepairStaleReferences(Pass repair)
    {
        var childReferences = new List<string>();
        foreach (string versionPath in VersionFolders())
        {
            foreach (string link in StaleLinks(Path.Combine(versionPath, "references", "containers")))
            {
                string name = Path.GetFileName(link);
                using StoreLock? nameLock = Names.IsValid(name)
                    ? StoreLock.TryAcquire(Paths.ContainerLock(name))
                    : null;
                if (nameLock is null)
                {
                    repair.Sink.Verbose(
                        $"Skipped reference '{link}': container '{name}' is in use or its name is invalid.");
                    continue;
                }

                FixStaleReference(repair, link, $"Container '{name}' no longer exists.");
            }

            childReferences.AddRange(StaleLinks(Path.Combine(versionPath, "references", "images")));
        }

        if (childReferences.Count == 0 ||
            SkipWhileImagesLocked(repair.Sink, "the stale references of child images"))
        {
            return;
        }

        foreach (string link in childReferences)
        {
            FixStaleReference(repair, link, $"Image version '{Path.GetFileName(link)}' no longer exists.");
        }
    }

    private static void FixStaleReference(Pass repair, string link, string detail) =>
        repair.Fix(
            RepairKind.StaleReference,
            link,
            detail,
            "Delete reference",
            RepairAction.Deleted,
            () =>
            {
                if (Host.LinuxCalls.LinkCount(link) == 1)
                {
                    File.Delete(link);
                }
            });

    private IEnumerable<string> VersionFolders()
    {
        foreach (string imagePath in Directory.EnumerateDirectories(Paths.Images))
        {
            string versions = Path.Combine(imagePath, "versions");
            if (!Directory.Exists(versions))
            {
                continue;
            }

            foreach (string versionPath in Directory.EnumerateDirectories(versions))
            {
                if (!Path.GetFileName(versionPath).StartsWith('.'))
                {
                    yield return versionPath;
                }
            }
        }
    }

    private static IEnumerable<string> StaleLinks(string folder) =>
        Directory.Exists(folder)
            ? Directory.EnumerateFiles(folder).Where(link => Host.LinuxCalls.LinkCount(link) == 1).ToList()
            : [];

    /// <summary>
    /// Takes a container's name lock when no command holds it and nothing runs in the
    /// container. Returns null, with a verbose message, when the container is in use.
    /// </summary>
    private StoreLock? TryLockIdleContainer(string name, IOperationSink sink)
    {
        StoreLock? nameLock = StoreLock.TryAcquire(Paths.ContainerLock(name));
        if (nameLock is null)
        {
            sink.Verbose($"Skipped container '{name}': another command holds its lock.");
            return null;
        }

        if (StoreLock.IsHeld(Path.Combine(Paths.Container(name), "lock")))
        {
            nameLock.Dispose();
            sink.Verbose($"Skipped container '{name}': it is running.");
            return null;
        }

        return nameLock;
    }

    /// <summary>
    /// Returns true, with a verbose message, when some command holds an image lock. The caller
    /// lists its entries before asking, so an entry listed while no lock is held was left by a
    /// command that has ended.
    /// </summary>
    private bool SkipWhileImagesLocked(IOperationSink sink, string what)
    {
        bool held = Directory.Exists(Paths.Locks) &&
            Directory.EnumerateFiles(Paths.Locks, "image.*").Any(StoreLock.IsHeld);
        if (held)
        {
            sink.Verbose(
                $"Skipped {what}: an image is being built, so they may be in use. " +
                "Run Repair-CcStore again later.");
        }

        return held;
    }

    /// <summary>The findings of one repair, and the checks and sink they go through.</summary>
    private sealed class Pass(
        List<RepairFinding> findings,
        IOperationSink sink,
        CancellationToken cancellationToken)
    {
        public IOperationSink Sink => sink;

        /// <summary>Asks whether to fix a finding, fixes it when approved and records the outcome.</summary>
        public void Fix(
            RepairKind kind,
            string path,
            string detail,
            string action,
            RepairAction done,
            Action fix)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!sink.ShouldProcess(path, $"{action} ({kind})"))
            {
                findings.Add(new RepairFinding(kind, path, RepairAction.NotFixed, detail));
                return;
            }

            try
            {
                fix();
                sink.Verbose($"{kind}: {action.ToLowerInvariant()} '{path}'.");
                findings.Add(new RepairFinding(kind, path, done, detail));
            }
            catch (Exception error) when (error is CcException or IOException or UnauthorizedAccessException)
            {
                string failed = $"{detail} The fix failed: {error.Message}";
                findings.Add(new RepairFinding(kind, path, RepairAction.Failed, failed));
            }
        }
    }
}
