namespace CookieCutter.Engine.Host;

/// <summary>
/// Checks the host for what Cookie-Cutter needs, installs missing packages when asked, and
/// creates the store with its <c>empty</c> image. Safe to run any number of times.
/// </summary>
public static class HostSetup
{
    private static readonly (string Program, string Package)[] Programs =
    [
        ("mmdebstrap", "mmdebstrap"),
        ("debootstrap", "debootstrap"),
        ("systemd-nspawn", "systemd-container"),
        ("unshare", "util-linux"),
        ("nsenter", "util-linux"),
    ];

    /// <summary>Checks the host, optionally installs missing packages, and creates the store.</summary>
    /// <param name="paths">Store to create.</param>
    /// <param name="installMissing">Whether to install missing packages with apt-get.</param>
    /// <param name="sink">Receives progress and details.</param>
    /// <param name="cancellationToken">Stops an installation in progress.</param>
    public static HostReport Run(Store.StorePaths paths, bool installMissing, IOperationSink sink, CancellationToken cancellationToken)
    {
        if (LinuxCalls.EffectiveUserId() != 0)
        {
            throw new CcException(
                "RootRequired",
                CcErrorKind.InvalidOperation,
                "Cookie-Cutter needs root privileges for mounts and namespaces. Run pwsh as root, for example with sudo.");
        }

        List<string> missing = MissingPackages();
        var installed = new List<string>();
        if (missing.Count > 0 && installMissing)
        {
            sink.Progress(new ProgressUpdate(1, "Setting up the host", $"Installing {string.Join(", ", missing)}", 10));
            var environment = new Dictionary<string, string> { ["DEBIAN_FRONTEND"] = "noninteractive" };
            RunApt(["update", "-q"], environment, sink, cancellationToken);
            RunApt(["install", "-y", "-q", .. missing], environment, sink, cancellationToken);
            installed.AddRange(missing);
            missing = MissingPackages();
        }
        else if (missing.Count > 0)
        {
            sink.Warning($"Missing host packages: {string.Join(", ", missing)}. Run Initialize-CcHost -InstallMissing, or install them with apt-get.");
        }

        sink.Progress(new ProgressUpdate(1, "Setting up the host", "Creating the store", 80));
        bool created = !paths.Exists || !Directory.Exists(paths.EmptyDiff);
        foreach (string folder in new[] { paths.Root, paths.Images, paths.Containers, paths.Locks, paths.Cache, paths.EmptyDiff })
        {
            Directory.CreateDirectory(folder);
        }

        File.SetUnixFileMode(paths.Root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        sink.Verbose(created ? $"Created the store at '{paths.Root}'." : $"The store at '{paths.Root}' exists already.");
        sink.Progress(new ProgressUpdate(1, "Setting up the host", "Done", 100, Completed: true));

        string? bootstrapper = FindProgram("mmdebstrap") ?? FindProgram("debootstrap");
        return new HostReport(
            paths.Root,
            created,
            bootstrapper,
            FindProgram("systemd-nspawn"),
            File.Exists("/proc/filesystems") && File.ReadAllText("/proc/filesystems").Contains("\toverlay", StringComparison.Ordinal),
            new[] { "pid", "mnt", "uts", "ipc", "net" }.Where(kind => File.Exists($"/proc/self/ns/{kind}")).ToList(),
            MachinedRunning(),
            CgroupLayout(),
            missing,
            installed);
    }

    /// <summary>Returns the path of a program found through PATH, or null.</summary>
    public static string? FindProgram(string name)
    {
        string path = Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
        foreach (string folder in path.Split(':', StringSplitOptions.RemoveEmptyEntries).Concat(["/usr/sbin", "/sbin"]))
        {
            string candidate = Path.Combine(folder, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>Returns whether systemd is the host's init and systemd-machined is running.</summary>
    public static bool MachinedRunning() =>
        Directory.Exists("/run/systemd/system") && File.Exists("/run/systemd/machines/.machined-ready")
        || (Directory.Exists("/run/systemd/system") && File.Exists("/run/dbus/system_bus_socket") && Directory.Exists("/run/systemd/machines"));

    /// <summary>Returns the cgroup layout: <c>v2</c>, <c>v1</c>, <c>hybrid</c> or <c>none</c>.</summary>
    public static string CgroupLayout()
    {
        bool unified = File.Exists("/sys/fs/cgroup/cgroup.controllers");
        bool unifiedBelow = File.Exists("/sys/fs/cgroup/unified/cgroup.controllers");
        bool legacy = Directory.Exists("/sys/fs/cgroup/memory") || Directory.Exists("/sys/fs/cgroup/cpu");
        if (unified)
        {
            return "v2";
        }

        if (legacy)
        {
            return unifiedBelow ? "hybrid" : "v1";
        }

        return "none";
    }

    private static List<string> MissingPackages()
    {
        var missing = new List<string>();
        if (FindProgram("mmdebstrap") is null && FindProgram("debootstrap") is null)
        {
            missing.Add("mmdebstrap");
        }

        foreach ((string program, string package) in Programs.Where(p => p.Program is not "mmdebstrap" and not "debootstrap"))
        {
            if (FindProgram(program) is null && !missing.Contains(package))
            {
                missing.Add(package);
            }
        }

        return missing;
    }

    private static void RunApt(string[] arguments, Dictionary<string, string> environment, IOperationSink sink, CancellationToken cancellationToken)
    {
        int exitCode = ExternalProcess.Run(
            "apt-get",
            arguments,
            StreamMode.Captured,
            line => sink.Verbose(line),
            line => sink.Verbose(line),
            TimeSpan.FromSeconds(30),
            cancellationToken,
            environment);
        if (exitCode != 0)
        {
            throw new CcException(
                "PackageInstallFailed",
                CcErrorKind.OperationFailed,
                $"'apt-get {string.Join(' ', arguments)}' failed with exit code {exitCode}. Run it by hand to see why.",
                string.Join(' ', arguments));
        }
    }
}
