using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using CookieCutter.Engine.Host;
using CookieCutter.Engine.Store;

namespace CookieCutter.Engine.Run;

/// <summary>
/// Resource limits and process tracking for containers, written directly to the host's cgroup
/// file systems, so no systemd is needed. A container gets the cgroup <c>GROUP/NAME</c> in each
/// hierarchy it uses (see <see cref="GroupName"/>). Memory and CPU limits use cgroup v2 where the
/// unified hierarchy offers the controller, else the v1 hierarchy that has it. A limit that
/// neither offers is an error.
/// </summary>
public static class Cgroups
{
    /// <summary>CFS period that the CPU quota is expressed against, in microseconds.</summary>
    private const long CpuPeriodMicroseconds = 100_000;

    /// <summary>Smallest CFS quota the kernel accepts, in microseconds.</summary>
    private const long MinimumCpuQuotaMicroseconds = 1_000;

    private const int SigKill = 9;

    /// <summary>
    /// Creates the cgroups that apply the limits and returns their folders, for the helper to
    /// join before it creates the container's first process. Returns nothing when no limit is
    /// set. The store is the one <c>COOKIECUTTER_ROOT</c> names.
    /// </summary>
    public static IReadOnlyList<string> Prepare(
        string containerName,
        long? memoryLimit,
        double? cpuQuota,
        IOperationSink sink) =>
        Prepare(StorePaths.FromEnvironment(), containerName, memoryLimit, cpuQuota, tracking: false, sink);

    /// <summary>
    /// Creates a container's cgroups and returns their folders, for the process that starts the
    /// container to join before it creates any other process. The caller holds the container's
    /// name lock. Leftover cgroups of an earlier container of the same name, and empty cgroups
    /// of containers that are gone from the store, are removed first.
    /// </summary>
    /// <param name="paths">Store the container belongs to.</param>
    /// <param name="containerName">Container name.</param>
    /// <param name="memoryLimit">Memory limit in bytes, swap included where the kernel accounts swap, or null.</param>
    /// <param name="cpuQuota">CPU quota as a fraction of one CPU, or null.</param>
    /// <param name="tracking">
    /// Whether to add a cgroup in the v1 <c>name=systemd</c> hierarchy and in the v2 hierarchy
    /// even without limits. systemd-nspawn creates its <c>payload</c> and <c>supervisor</c>
    /// cgroups below the cgroup it starts in, so two booted containers must not start in the
    /// same one. These cgroups also find a container's processes after its supervisor died.
    /// </param>
    /// <param name="sink">Receives what is limited.</param>
    public static IReadOnlyList<string> Prepare(
        StorePaths paths,
        string containerName,
        long? memoryLimit,
        double? cpuQuota,
        bool tracking,
        IOperationSink sink)
    {
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentNullException.ThrowIfNull(sink);
        Names.Validate(containerName, "container");
        if (memoryLimit is null && cpuQuota is null && !tracking)
        {
            return [];
        }

        ValidateLimits(containerName, memoryLimit, cpuQuota);
        IReadOnlyList<Hierarchy> hierarchies = Hierarchy.ReadMounted();
        string group = GroupName(paths);
        RemoveStale(paths, hierarchies, group);
        if (!Release(paths, containerName))
        {
            throw new CcException(
                "CgroupBusy",
                CcErrorKind.InvalidOperation,
                $"The cgroups of container '{containerName}' still contain processes. " +
                "Stop the container with Stop-CcContainer first.",
                containerName);
        }

        var folders = new List<string>();
        if (memoryLimit is long bytes)
        {
            Hierarchy hierarchy = ChooseFor("memory", hierarchies, containerName);
            string folder = Create(hierarchy, group, containerName, "memory");
            WriteMemoryLimit(hierarchy, folder, bytes, containerName);
            folders.Add(folder);
            sink.Verbose($"Limited container '{containerName}' to {bytes} bytes of memory in cgroup '{folder}'.");
        }

        if (cpuQuota is double cpus)
        {
            Hierarchy hierarchy = ChooseFor("cpu", hierarchies, containerName);
            string folder = Create(hierarchy, group, containerName, "cpu");
            WriteCpuQuota(hierarchy, folder, cpus, containerName);
            AddOnce(folders, folder);
            string cpusText = cpus.ToString(CultureInfo.InvariantCulture);
            sink.Verbose($"Limited container '{containerName}' to {cpusText} CPUs in cgroup '{folder}'.");
        }

        if (tracking)
        {
            foreach (Hierarchy hierarchy in hierarchies.Where(h => h.IsUnified || h.Name == "systemd"))
            {
                AddOnce(folders, Create(hierarchy, group, containerName, null));
            }
        }

        return folders;
    }

    /// <summary>
    /// Returns the existing cgroup folders of a container that carry its memory or CPU limit,
    /// for a process that enters the running container to join, so that it is limited too.
    /// A v2 cgroup that has enabled controllers for its children is left out, because
    /// cgroup v2 allows processes only in cgroups without such children.
    /// </summary>
    public static IReadOnlyList<string> LimitFolders(StorePaths paths, string containerName)
    {
        ArgumentNullException.ThrowIfNull(paths);
        Names.Validate(containerName, "container");
        string group = GroupName(paths);
        var folders = new List<string>();
        foreach (Hierarchy hierarchy in Hierarchy.ReadMounted())
        {
            string folder = hierarchy.ContainerFolder(group, containerName);
            bool limits = hierarchy.Controllers.Contains("memory") || hierarchy.Controllers.Contains("cpu");
            bool delegates = ReadText(Path.Combine(folder, "cgroup.subtree_control")).Length > 0;
            if (limits && !delegates && Directory.Exists(folder))
            {
                folders.Add(folder);
            }
        }

        return folders;
    }

    /// <summary>Returns the host pids of every process in a container's cgroups, nested cgroups included.</summary>
    public static IReadOnlyList<int> Processes(StorePaths paths, string containerName)
    {
        ArgumentNullException.ThrowIfNull(paths);
        Names.Validate(containerName, "container");
        string group = GroupName(paths);
        var pids = new SortedSet<int>();
        foreach (Hierarchy hierarchy in Hierarchy.ReadMounted())
        {
            foreach (string cgroup in TreeBottomUp(hierarchy.ContainerFolder(group, containerName)))
            {
                foreach (string line in ReadText(Path.Combine(cgroup, "cgroup.procs")).Split('\n'))
                {
                    if (int.TryParse(line, NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
                    {
                        pids.Add(pid);
                    }
                }
            }
        }

        return pids.ToList();
    }

    /// <summary>
    /// Sends SIGKILL to every process in a container's cgroups until none is left, for
    /// processes whose supervisor died, such as an init whose systemd-nspawn was killed.
    /// Returns the number of processes killed. Throws <c>StopTimeout</c> when processes
    /// remain after ten seconds.
    /// </summary>
    public static int KillProcesses(StorePaths paths, string containerName, CancellationToken cancellationToken)
    {
        var killed = new HashSet<int>();
        DateTime giveUpAt = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (Processes(paths, containerName) is { Count: > 0 } remaining)
        {
            foreach (int pid in remaining)
            {
                LinuxCalls.Kill(pid, SigKill);
                killed.Add(pid);
            }

            if (DateTime.UtcNow > giveUpAt)
            {
                throw new CcException(
                    "StopTimeout",
                    CcErrorKind.OperationTimeout,
                    $"Processes {string.Join(", ", remaining)} of container '{containerName}' " +
                    "were still running 10 seconds after SIGKILL.",
                    containerName);
            }

            cancellationToken.WaitHandle.WaitOne(20);
            cancellationToken.ThrowIfCancellationRequested();
        }

        return killed.Count;
    }

    /// <summary>
    /// Removes a container's cgroups, nested ones first. Returns false when some still contain
    /// processes, which stay in place.
    /// </summary>
    public static bool Release(StorePaths paths, string containerName)
    {
        ArgumentNullException.ThrowIfNull(paths);
        Names.Validate(containerName, "container");
        string group = GroupName(paths);
        bool removed = true;
        foreach (Hierarchy hierarchy in Hierarchy.ReadMounted())
        {
            removed &= RemoveTree(hierarchy.ContainerFolder(group, containerName));
        }

        return removed;
    }

    /// <summary>
    /// Returns the folder below each hierarchy's root that contains a store's container cgroups:
    /// <c>cookie-cutter</c> for the default store, else <c>cookie-cutter-</c> and the first
    /// 8 hex digits of the SHA-256 of the store root, so that two stores never share a cgroup.
    /// </summary>
    public static string GroupName(StorePaths paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        if (paths.Root == StorePaths.DefaultRoot)
        {
            return "cookie-cutter";
        }

        byte[] hash = SHA256.HashData(Encoding.UTF8.GetBytes(paths.Root));
        return "cookie-cutter-" + Convert.ToHexStringLower(hash)[..8];
    }

    private static void ValidateLimits(string containerName, long? memoryLimit, double? cpuQuota)
    {
        if (memoryLimit is <= 0)
        {
            throw new CcException(
                "InvalidLimit",
                CcErrorKind.InvalidArgument,
                $"The memory limit {memoryLimit} for container '{containerName}' is invalid. " +
                "Give a positive number of bytes.",
                containerName);
        }

        if (cpuQuota is double cpus &&
            (double.IsNaN(cpus) || cpus * CpuPeriodMicroseconds < MinimumCpuQuotaMicroseconds))
        {
            string cpusText = cpus.ToString(CultureInfo.InvariantCulture);
            throw new CcException(
                "InvalidLimit",
                CcErrorKind.InvalidArgument,
                $"The CPU quota {cpusText} for container '{containerName}' is invalid. Give at least 0.01 CPUs.",
                containerName);
        }
    }

    private static Hierarchy ChooseFor(string controller, IReadOnlyList<Hierarchy> hierarchies, string containerName) =>
        hierarchies.FirstOrDefault(h => h.IsUnified && h.Controllers.Contains(controller))
        ?? hierarchies.FirstOrDefault(h => !h.IsUnified && h.Controllers.Contains(controller))
        ?? throw new CcException(
            "LimitNotSupported",
            CcErrorKind.NotInstalled,
            $"Cannot limit container '{containerName}': no cgroup hierarchy on this host has the " +
            $"'{controller}' controller. Enable it in the cgroup v2 hierarchy or mount a cgroup v1 " +
            "hierarchy with it, or run without the limit.",
            containerName);

    /// <summary>
    /// Creates GROUP/NAME in a hierarchy. In cgroup v2 it first enables the controller for the
    /// children of the root and of GROUP, because a v2 cgroup offers only what its parent enabled.
    /// </summary>
    private static string Create(Hierarchy hierarchy, string group, string containerName, string? controller)
    {
        string groupFolder = Path.Combine(hierarchy.MountPoint, group);
        string folder = Path.Combine(groupFolder, containerName);
        try
        {
            Directory.CreateDirectory(folder);
            if (hierarchy.IsUnified && controller is not null)
            {
                EnableController(hierarchy.MountPoint, controller);
                EnableController(groupFolder, controller);
            }
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new CcException(
                "CgroupFailed",
                CcErrorKind.OperationFailed,
                $"Cannot create cgroup '{folder}' for container '{containerName}': {error.Message}",
                containerName,
                error);
        }

        return folder;
    }

    private static void EnableController(string folder, string controller)
    {
        string file = Path.Combine(folder, "cgroup.subtree_control");
        if (!ReadText(file).Split(' ').Contains(controller))
        {
            File.WriteAllText(file, "+" + controller);
        }
    }

    private static void WriteMemoryLimit(Hierarchy hierarchy, string folder, long bytes, string containerName)
    {
        string value = bytes.ToString(CultureInfo.InvariantCulture);
        if (hierarchy.IsUnified)
        {
            WriteSetting(folder, "memory.max", value, containerName);
            WriteOptionalSetting(folder, "memory.swap.max", "0", containerName);
        }
        else
        {
            WriteSetting(folder, "memory.limit_in_bytes", value, containerName);
            WriteOptionalSetting(folder, "memory.memsw.limit_in_bytes", value, containerName);
        }
    }

    private static void WriteCpuQuota(Hierarchy hierarchy, string folder, double cpus, string containerName)
    {
        string quota = ((long)Math.Round(cpus * CpuPeriodMicroseconds)).ToString(CultureInfo.InvariantCulture);
        string period = CpuPeriodMicroseconds.ToString(CultureInfo.InvariantCulture);
        if (hierarchy.IsUnified)
        {
            WriteSetting(folder, "cpu.max", $"{quota} {period}", containerName);
        }
        else
        {
            WriteSetting(folder, "cpu.cfs_period_us", period, containerName);
            WriteSetting(folder, "cpu.cfs_quota_us", quota, containerName);
        }
    }

    /// <summary>Writes a setting that exists only when the kernel has the feature, such as swap accounting.</summary>
    private static void WriteOptionalSetting(string folder, string file, string value, string containerName)
    {
        if (File.Exists(Path.Combine(folder, file)))
        {
            WriteSetting(folder, file, value, containerName);
        }
    }

    private static void WriteSetting(string folder, string file, string value, string containerName)
    {
        string path = Path.Combine(folder, file);
        try
        {
            File.WriteAllText(path, value);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new CcException(
                "LimitNotApplied",
                CcErrorKind.OperationFailed,
                $"Cannot apply the limit of container '{containerName}': writing '{value}' to '{path}' " +
                $"failed: {error.Message}",
                containerName,
                error);
        }
    }

    /// <summary>Removes the cgroups of containers whose folder is gone from the store. Busy ones stay.</summary>
    private static void RemoveStale(StorePaths paths, IReadOnlyList<Hierarchy> hierarchies, string group)
    {
        foreach (Hierarchy hierarchy in hierarchies)
        {
            string groupFolder = Path.Combine(hierarchy.MountPoint, group);
            if (!Directory.Exists(groupFolder))
            {
                continue;
            }

            foreach (string folder in Directory.EnumerateDirectories(groupFolder))
            {
                string name = Path.GetFileName(folder);
                if (Names.IsValid(name) && !Directory.Exists(Path.Combine(paths.Containers, name)))
                {
                    RemoveTree(folder);
                }
            }
        }
    }

    /// <summary>
    /// Removes a cgroup and the cgroups below it with rmdir(2), deepest first. Returns false
    /// when one of them still contains processes.
    /// </summary>
    private static bool RemoveTree(string folder)
    {
        bool removed = true;
        foreach (string cgroup in TreeBottomUp(folder))
        {
            try
            {
                Directory.Delete(cgroup, recursive: false);
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                removed = false;
            }
        }

        return removed;
    }

    private static List<string> TreeBottomUp(string folder)
    {
        var folders = new List<string>();
        if (!Directory.Exists(folder))
        {
            return folders;
        }

        try
        {
            foreach (string child in Directory.EnumerateDirectories(folder))
            {
                folders.AddRange(TreeBottomUp(child));
            }
        }
        catch (DirectoryNotFoundException)
        {
        }

        folders.Add(folder);
        return folders;
    }

    private static void AddOnce(List<string> folders, string folder)
    {
        if (!folders.Contains(folder, StringComparer.Ordinal))
        {
            folders.Add(folder);
        }
    }

    private static string ReadText(string file)
    {
        try
        {
            return File.ReadAllText(file).Trim();
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return string.Empty;
        }
    }

    /// <summary>A mounted cgroup hierarchy: the v2 unified one, or a v1 one with its controllers and name.</summary>
    private sealed record Hierarchy(string MountPoint, bool IsUnified, IReadOnlySet<string> Controllers, string? Name)
    {
        public string ContainerFolder(string group, string containerName) =>
            Path.Combine(MountPoint, group, containerName);

        /// <summary>
        /// Reads the cgroup mounts from <c>/proc/self/mountinfo</c>, one entry per hierarchy. The
        /// controllers of a v1 mount are its mount options that <c>/proc/cgroups</c> lists.
        /// </summary>
        public static IReadOnlyList<Hierarchy> ReadMounted()
        {
            HashSet<string> known = File.ReadLines("/proc/cgroups")
                .Where(line => !line.StartsWith('#'))
                .Select(line => line.Split('\t')[0])
                .ToHashSet(StringComparer.Ordinal);
            var hierarchies = new List<Hierarchy>();
            foreach (string line in File.ReadLines("/proc/self/mountinfo"))
            {
                string[] fields = line.Split(' ');
                int separator = Array.IndexOf(fields, "-");
                if (separator < 0 || separator + 3 >= fields.Length)
                {
                    continue;
                }

                string mountPoint = Unescape(fields[4]);
                string type = fields[separator + 1];
                string[] options = fields[separator + 3].Split(',');
                Hierarchy? found = null;
                if (type == "cgroup2")
                {
                    string[] controllers = ReadText(Path.Combine(mountPoint, "cgroup.controllers"))
                        .Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    found = new Hierarchy(mountPoint, true, controllers.ToHashSet(StringComparer.Ordinal), null);
                }
                else if (type == "cgroup")
                {
                    string? name = options
                        .FirstOrDefault(o => o.StartsWith("name=", StringComparison.Ordinal))?[5..];
                    HashSet<string> controllers = options
                        .Where(known.Contains)
                        .ToHashSet(StringComparer.Ordinal);
                    found = new Hierarchy(mountPoint, false, controllers, name);
                }

                if (found is not null && !hierarchies.Any(h => h.IsSameHierarchy(found)))
                {
                    hierarchies.Add(found);
                }
            }

            return hierarchies;
        }

        private bool IsSameHierarchy(Hierarchy other) =>
            IsUnified == other.IsUnified &&
            (IsUnified || (Name == other.Name && Controllers.SetEquals(other.Controllers)));

        /// <summary>Decodes the octal escapes, such as <c>\040</c> for a space, that mountinfo uses in paths.</summary>
        private static string Unescape(string field)
        {
            var text = new StringBuilder(field.Length);
            for (int i = 0; i < field.Length; i++)
            {
                bool escaped = field[i] == '\\' && i + 3 < field.Length &&
                    field.AsSpan(i + 1, 3).IndexOfAnyExceptInRange('0', '7') < 0;
                if (escaped)
                {
                    text.Append((char)Convert.ToInt32(field.Substring(i + 1, 3), 8));
                    i += 3;
                }
                else
                {
                    text.Append(field[i]);
                }
            }

            return text.ToString();
        }
    }
}
