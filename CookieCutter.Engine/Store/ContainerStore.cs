using System.Globalization;
using CookieCutter.Engine.Host;
using CookieCutter.Engine.Layers;

namespace CookieCutter.Engine.Store;

/// <summary>
/// Containers in the classic layout: <c>containers/NAME/</c> with <c>diff/</c>, <c>work/</c>,
/// <c>filesystem/</c>, <c>from</c>, <c>volumes</c>, <c>self</c> and, while running, <c>pid</c>.
/// A running container's supervisor holds a flock on its <c>lock</c> file, so the state read
/// here stays true after a crash: a dead supervisor's lock is free.
/// </summary>
public sealed class ContainerStore
{
    /// <summary>Seconds between SIGTERM and SIGKILL when a container is stopped, unless the caller says otherwise.</summary>
    public const int DefaultGraceSeconds = 10;

    private const int SigKill = 9;
    private const int SigTerm = 15;

    /// <summary>Signal on which systemd powers off: SIGRTMIN+4, with glibc's SIGRTMIN of 34.</summary>
    private const int SigPowerOff = 38;

    private readonly ImageStore images;

    /// <summary>Creates a container store over the given paths.</summary>
    public ContainerStore(StorePaths paths, ImageStore images)
    {
        Paths = paths;
        this.images = images;
    }

    /// <summary>Store paths.</summary>
    public StorePaths Paths { get; }

    /// <summary>Returns whether a container folder exists.</summary>
    public bool Exists(string name) => Directory.Exists(Paths.Container(name));

    /// <summary>Returns the names of all containers.</summary>
    public IEnumerable<string> ContainerNames() =>
        Directory.Exists(Paths.Containers)
            ? Directory.EnumerateDirectories(Paths.Containers)
                .Select(System.IO.Path.GetFileName)
                .OfType<string>()
                .Where(Names.IsValid)
                .Order(StringComparer.Ordinal)
            : [];

    /// <summary>Lists containers whose name matches a predicate.</summary>
    public IReadOnlyList<ContainerInfo> List(Func<string, bool> nameMatches)
    {
        var containers = new List<ContainerInfo>();
        foreach (string name in ContainerNames().Where(nameMatches))
        {
            if (TryGet(name) is { } container)
            {
                containers.Add(container);
            }
        }

        return containers;
    }

    /// <summary>Returns a container, or throws <c>ContainerNotFound</c>.</summary>
    public ContainerInfo Get(string name) =>
        TryGet(name) ?? throw new CcException(
            "ContainerNotFound",
            CcErrorKind.NotFound,
            $"Container '{name}' was not found. Run Get-CcContainer to list containers.",
            name);

    /// <summary>Returns a container, or null when it does not exist.</summary>
    public ContainerInfo? TryGet(string name)
    {
        string path = Paths.Container(name);
        if (!Directory.Exists(path))
        {
            return null;
        }

        ContainerState state = ReadState(path);
        bool running = state == ContainerState.Running;
        int? exitCode = running ? null : ReadNumber(System.IO.Path.Combine(path, "exit-code"));
        int? pid = running ? ReadNumber(System.IO.Path.Combine(path, "pid")) : null;
        (string image, string version) = ReadFrom(path);
        ContainerSettings settings = ContainerSettings.Load(path);
        return new ContainerInfo(
            name,
            image,
            version,
            state,
            pid,
            exitCode,
            settings.IsBooted,
            settings.MachineName,
            ReadVolumes(path),
            settings.Created,
            FileTree.Size(System.IO.Path.Combine(path, "diff")),
            path,
            MountTable.IsMountPoint(System.IO.Path.Combine(path, "filesystem")));
    }

    /// <summary>
    /// Returns a container's state without measuring it, or null when it does not exist. Cheaper
    /// than <see cref="TryGet"/>, so the run path uses it.
    /// </summary>
    public ContainerState? GetState(string name)
    {
        string path = Paths.Container(name);
        return Directory.Exists(path) ? ReadState(path) : null;
    }

    /// <summary>
    /// Creates a container folder from an image version and records the reference to it.
    /// The caller holds the container's name lock and has checked that the name is free.
    /// </summary>
    public string Create(string name, ImageInfo image, IReadOnlyList<VolumeSpec> volumes, ContainerSettings settings)
    {
        string path = Paths.Container(name);
        string partial = System.IO.Path.Combine(Paths.Containers, "." + name + ".creating");
        if (Directory.Exists(partial))
        {
            FileTree.Delete(partial);
        }

        Directory.CreateDirectory(partial);
        try
        {
            Directory.CreateDirectory(System.IO.Path.Combine(partial, "diff"));
            Directory.CreateDirectory(System.IO.Path.Combine(partial, "work"));
            Directory.CreateDirectory(System.IO.Path.Combine(partial, "filesystem"));
            File.WriteAllText(System.IO.Path.Combine(partial, "from"), images.RelativeName(image.Path) + "\n");
            File.WriteAllLines(System.IO.Path.Combine(partial, "volumes"), volumes.Select(v => v.ToString()));
            File.WriteAllText(System.IO.Path.Combine(partial, "self"), "containers/" + name + "\n");
            settings.Save(partial);
            Directory.Move(partial, path);
        }
        catch
        {
            FileTree.Delete(partial);
            throw;
        }

        ImageStore.AddReference(image.Path, "containers", name, System.IO.Path.Combine(path, "self"));
        return path;
    }

    /// <summary>Mounts a container's root file system unless it is mounted already; returns whether it mounted it.</summary>
    public bool Mount(string name)
    {
        string path = Paths.Container(name);
        string target = System.IO.Path.Combine(path, "filesystem");
        if (MountTable.IsMountPoint(target))
        {
            return false;
        }

        string? versionPath = images.ParentPath(path) ?? throw new CcException(
            "ImageNotFound",
            CcErrorKind.NotFound,
            $"The image version of container '{name}' is missing from the store.",
            name);
        IReadOnlyList<string> chain = images.LayerChain(versionPath);
        string work = System.IO.Path.Combine(path, "work");
        Directory.CreateDirectory(work);
        Directory.CreateDirectory(target);
        Overlay.Mount(chain, System.IO.Path.Combine(path, "diff"), work, target);
        return true;
    }

    /// <summary>Unmounts a container's root file system; returns whether it was mounted.</summary>
    public bool Unmount(string name) => Overlay.Unmount(System.IO.Path.Combine(Paths.Container(name), "filesystem"));

    /// <summary>
    /// Stops a running container: a run container's processes get SIGTERM and, after the grace
    /// period, SIGKILL; a booted container's init is asked to power off first. Returns once its
    /// supervisor has exited. Does nothing to a container that is not running.
    /// </summary>
    public void Stop(string name, TimeSpan grace, CancellationToken cancellationToken)
    {
        string path = Paths.Container(name);
        string lockFile = System.IO.Path.Combine(path, "lock");
        if (!StoreLock.IsHeld(lockFile))
        {
            return;
        }

        int? pid = ReadNumber(System.IO.Path.Combine(path, "pid"));
        ContainerSettings settings = ContainerSettings.Load(path);
        if (pid is int initPid)
        {
            if (settings.IsBooted)
            {
                LinuxCalls.Kill(initPid, SigPowerOff);
            }
            else
            {
                foreach (int member in ProcessesInPidNamespace(initPid))
                {
                    LinuxCalls.Kill(member, SigTerm);
                }
            }
        }

        DateTime killAt = DateTime.UtcNow + grace;
        bool killed = false;
        while (StoreLock.IsHeld(lockFile))
        {
            if (DateTime.UtcNow >= killAt && pid is int target)
            {
                LinuxCalls.Kill(target, SigKill);
                killed = true;
            }

            if (DateTime.UtcNow >= killAt + TimeSpan.FromSeconds(10))
            {
                throw new CcException(
                    "StopTimeout",
                    CcErrorKind.OperationTimeout,
                    $"Container '{name}' did not stop within {grace.TotalSeconds + 10:0} seconds, even after SIGKILL.",
                    name);
            }

            cancellationToken.WaitHandle.WaitOne(20);
            cancellationToken.ThrowIfCancellationRequested();
        }

        // The supervisor of a run writes the exit code itself. Nothing waits for a detached
        // systemd-nspawn, so a stopped booted container gets 0 for a clean power-off, else 137.
        // The file is written under the name lock, so it never lands in a folder that a teardown
        // is deleting. When another command holds the lock, that command owns the container.
        string exitFile = System.IO.Path.Combine(path, "exit-code");
        if (settings.IsBooted)
        {
            using StoreLock? nameLock = StoreLock.TryAcquire(Paths.ContainerLock(name));
            if (nameLock is not null && !File.Exists(exitFile) && Directory.Exists(path))
            {
                File.WriteAllText(exitFile, killed ? "137\n" : "0\n");
            }
        }
    }

    /// <summary>
    /// Deletes a container that is not running: unmounts its root, then deletes its folder
    /// without crossing into another file system. Its reference in the image goes stale.
    /// </summary>
    public long Remove(string name)
    {
        string path = Paths.Container(name);
        if (!Directory.Exists(path))
        {
            return 0;
        }

        if (StoreLock.IsHeld(System.IO.Path.Combine(path, "lock")))
        {
            throw new CcException(
                "ContainerRunning",
                CcErrorKind.InvalidOperation,
                $"Container '{name}' is running. Stop it with Stop-CcContainer, or use -Force.",
                name);
        }

        Unmount(name);
        long bytes = FileTree.Size(System.IO.Path.Combine(path, "diff"));
        string? versionPath = TryParentPath(path);
        FileTree.Delete(path);

        // The reference is stale now; deleting it at once keeps the image's reference list true.
        if (versionPath is not null)
        {
            string reference = System.IO.Path.Combine(versionPath, "references", "containers", name);
            if (File.Exists(reference) && LinuxCalls.LinkCount(reference) <= 1)
            {
                File.Delete(reference);
            }
        }

        return bytes;
    }

    /// <summary>Returns the parsed volumes of a container.</summary>
    public IReadOnlyList<VolumeSpec> VolumesOf(string name) =>
        ReadVolumes(Paths.Container(name)).Select(VolumeSpec.Parse).ToList();

    /// <summary>Returns the host pids of every process in the pid namespace of a container's first process, that process first.</summary>
    public static IReadOnlyList<int> ProcessesInPidNamespace(int initPid)
    {
        var members = new List<int> { initPid };
        string? namespaceId = ReadLink($"/proc/{initPid}/ns/pid_for_children") ?? ReadLink($"/proc/{initPid}/ns/pid");
        if (namespaceId is null)
        {
            return members;
        }

        foreach (string entry in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(System.IO.Path.GetFileName(entry), NumberStyles.None, CultureInfo.InvariantCulture, out int pid) &&
                pid != initPid &&
                ReadLink($"/proc/{pid}/ns/pid") == namespaceId)
            {
                members.Add(pid);
            }
        }

        return members;
    }

    private string? TryParentPath(string containerPath)
    {
        try
        {
            return images.ParentPath(containerPath);
        }
        catch (CcException)
        {
            return null;
        }
    }

    /// <summary>
    /// Reads the state of a container folder. A held lock means running. A stopped container
    /// that still has a pid file has run and ended: its supervisor deletes the file on a normal
    /// exit, so the file remains only when the supervisor was killed before it wrote an exit code.
    /// </summary>
    private static ContainerState ReadState(string path)
    {
        if (StoreLock.IsHeld(System.IO.Path.Combine(path, "lock")))
        {
            return ContainerState.Running;
        }

        bool ended = File.Exists(System.IO.Path.Combine(path, "exit-code")) || File.Exists(System.IO.Path.Combine(path, "pid"));
        return ended ? ContainerState.Exited : ContainerState.Created;
    }

    private static (string Image, string Version) ReadFrom(string containerPath)
    {
        string fromFile = System.IO.Path.Combine(containerPath, "from");
        string from = File.Exists(fromFile) ? File.ReadAllText(fromFile).Trim() : string.Empty;
        string[] parts = from.Split('/');
        return parts.Length == 3 && parts[1] == "versions" ? (parts[0], parts[2]) : (from, string.Empty);
    }

    private static IReadOnlyList<string> ReadVolumes(string containerPath)
    {
        string file = System.IO.Path.Combine(containerPath, "volumes");
        return File.Exists(file) ? File.ReadAllLines(file).Where(l => l.Length > 0).ToList() : [];
    }

    private static int? ReadNumber(string file)
    {
        try
        {
            return File.Exists(file) && int.TryParse(File.ReadAllText(file).Trim(), CultureInfo.InvariantCulture, out int value) ? value : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static string? ReadLink(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
