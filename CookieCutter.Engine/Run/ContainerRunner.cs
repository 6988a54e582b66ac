using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using CookieCutter.Engine.Host;
using CookieCutter.Engine.Store;

namespace CookieCutter.Engine.Run;

/// <summary>
/// Creates containers from images and runs commands in them through the <c>cc-jail</c> helper:
/// new pid, mount, uts and ipc namespaces, a fresh <c>/proc</c>, the container root made the
/// mount namespace's root with pivot_root, and a reduced capability set.
/// </summary>
public sealed class ContainerRunner
{
    private readonly ImageStore images;
    private readonly ContainerStore containers;

    /// <summary>Creates a runner over a store.</summary>
    public ContainerRunner(StorePaths paths)
    {
        Paths = paths;
        images = new ImageStore(paths);
        containers = new ContainerStore(paths, images);
    }

    /// <summary>Store paths.</summary>
    public StorePaths Paths { get; }

    /// <summary>
    /// Creates a container, runs a command in it and tears it down: unmounts everything and,
    /// with <see cref="RunOptions.Remove"/> or no name, deletes it. Teardown also runs after a
    /// failure or cancellation. The command's standard output goes to <see cref="IOperationSink.Output"/>
    /// unless the run is interactive.
    /// </summary>
    public RunResult Run(RunOptions options, IOperationSink sink, CancellationToken cancellationToken)
    {
        Paths.EnsureExists();
        ImageInfo image = images.Resolve(options.Image);
        IReadOnlyList<string> command = ResolveCommand(options.Command, image);
        string name = options.Name is null ? AnonymousName(image.Name) : Names.Validate(options.Name, "container");
        bool remove = options.Remove || options.Name is null;

        StoreLock nameLock = StoreLock.Acquire(Paths.ContainerLock(name), cancellationToken);
        try
        {
            ReclaimOrReject(name, sink, cancellationToken);
            var settings = new ContainerSettings
            {
                IsolateNetwork = options.Network == NetworkMode.None,
                RemoveOnExit = remove,
            };
            sink.Verbose($"Creating container '{name}' from image '{image.Reference}'.");
            containers.Create(name, image, options.Volumes, settings);
        }
        catch
        {
            nameLock.Dispose();
            throw;
        }

        int exitCode;
        try
        {
            var start = new JailStart(
                name,
                command,
                Merge(image.Config.Environment, options.Environment, options.Term),
                options.WorkingDirectory ?? image.Config.WorkingDirectory ?? "/",
                options.User ?? image.Config.User,
                options.Volumes,
                options.Network,
                options.Interactive,
                options.CaptureErrors,
                options.Grace,
                remove,
                Cgroups.Prepare(Paths, name, options.MemoryLimit, options.CpuQuota, tracking: false, sink));
            exitCode = Start(start, nameLock, sink, cancellationToken);
        }
        finally
        {
            nameLock.Dispose();
            Teardown(name, remove, sink);
            if (options.Name is null)
            {
                // Anonymous names are random and used once, so no other command waits on this
                // lock file. Deleting it keeps locks/ from growing by one file per run.
                File.Delete(Paths.ContainerLock(name));
            }
        }

        return new RunResult(remove ? null : containers.TryGet(name), name, exitCode);
    }

    /// <summary>
    /// Runs a command in an existing container: inside its namespaces when it runs, else in a
    /// fresh set of namespaces on its root, which is mounted for the command and unmounted after.
    /// </summary>
    public int Exec(string name, ExecOptions options, IOperationSink sink, CancellationToken cancellationToken)
    {
        Paths.EnsureExists();
        Names.Validate(name, "container");
        string workingDirectory;
        string? user;
        IReadOnlyDictionary<string, string> environment;
        int? pid;
        IReadOnlyList<VolumeSpec> volumes;
        ContainerSettings settings;
        using (StoreLock.Acquire(Paths.ContainerLock(name), cancellationToken))
        {
            ContainerInfo container = containers.Get(name);
            ImageConfig config = images.ParentPath(container.Path) is { } versionPath ? ImageConfig.Load(versionPath) : ImageConfig.Empty;
            workingDirectory = options.WorkingDirectory ?? config.WorkingDirectory ?? "/";
            user = options.User ?? config.User;
            environment = Merge(config.Environment, options.Environment, options.Term);
            pid = container.State == ContainerState.Running ? container.Pid : null;
            volumes = containers.VolumesOf(name);
            settings = ContainerSettings.Load(container.Path);
            if (container.State == ContainerState.Running && pid is null)
            {
                throw new CcException(
                    "ContainerStarting",
                    CcErrorKind.InvalidOperation,
                    $"Container '{name}' is starting and has no process yet. Try again in a moment.",
                    name);
            }
        }

        IReadOnlyList<string> command = options.Command.Count > 0
            ? options.Command
            : throw new CcException("CommandMissing", CcErrorKind.InvalidArgument, "Give the command to run in the container.", name);

        if (pid is int target)
        {
            sink.Verbose($"Entering the namespaces of container '{name}' (process {target}).");
            var arguments = new List<string> { "enter", target.ToString(CultureInfo.InvariantCulture) };
            foreach (string cgroup in Cgroups.LimitFolders(Paths, name))
            {
                arguments.Add("--cgroup");
                arguments.Add(cgroup);
            }

            AddProcessOptions(arguments, environment, workingDirectory, user);
            arguments.Add("--grace");
            arguments.Add(((int)options.Grace.TotalSeconds).ToString(CultureInfo.InvariantCulture));
            arguments.Add("--");
            arguments.AddRange(command);
            return RunHelper(arguments, options.Interactive ? StreamMode.Inherited : StreamMode.OutputCaptured, sink, options.Grace, null, name, cancellationToken);
        }

        var start = new JailStart(
            name,
            command,
            environment,
            workingDirectory,
            user,
            volumes,
            settings.IsolateNetwork ? NetworkMode.None : NetworkMode.Host,
            options.Interactive,
            CaptureErrors: false,
            options.Grace,
            RemoveWhenOrphaned: false,
            Cgroups: []);
        StoreLock nameLock = StoreLock.Acquire(Paths.ContainerLock(name), cancellationToken);
        try
        {
            return Start(start, nameLock, sink, cancellationToken);
        }
        finally
        {
            nameLock.Dispose();
            Teardown(name, remove: false, sink);
        }
    }

    /// <summary>
    /// Reclaims a container that has finished so its name can be reused, or throws
    /// <c>ContainerAlreadyExists</c> when it still runs. The caller holds the name lock.
    /// </summary>
    internal void ReclaimOrReject(string name, IOperationSink sink, CancellationToken cancellationToken)
    {
        ContainerState? state = containers.GetState(name);
        if (state is null)
        {
            return;
        }

        if (state == ContainerState.Running)
        {
            throw new CcException(
                "ContainerAlreadyExists",
                CcErrorKind.AlreadyExists,
                $"Cannot create container '{name}': a container of that name is running. Choose another name, or stop it with Stop-CcContainer.",
                name);
        }

        cancellationToken.ThrowIfCancellationRequested();
        sink.Verbose($"Reclaiming finished container '{name}'.");
        KillLeftovers(name, sink, cancellationToken);
        containers.Remove(name);
        Cgroups.Release(Paths, name);
    }

    /// <summary>
    /// Deletes a container. A running one is refused with <c>ContainerRunning</c> unless
    /// <paramref name="force"/>, which stops it first. Returns the bytes its layer used.
    /// </summary>
    public long Remove(string name, bool force, TimeSpan grace, IOperationSink sink, CancellationToken cancellationToken)
    {
        Names.Validate(name, "container");
        using StoreLock nameLock = StoreLock.Acquire(Paths.ContainerLock(name), cancellationToken);
        ContainerInfo container = containers.Get(name);
        if (container.State == ContainerState.Running && force)
        {
            sink.Verbose($"Stopping container '{name}'.");
            containers.Stop(name, grace, cancellationToken);
        }

        KillLeftovers(name, sink, cancellationToken);
        long bytes = containers.Remove(name);
        Cgroups.Release(Paths, name);
        sink.Verbose($"Removed container '{name}', freeing {bytes} bytes.");
        return bytes;
    }

    /// <summary>
    /// Kills processes left in the cgroups of a container that is not running, such as the init
    /// of a booted container whose systemd-nspawn was killed. They would keep its root busy.
    /// </summary>
    private void KillLeftovers(string name, IOperationSink sink, CancellationToken cancellationToken)
    {
        int killed = Cgroups.KillProcesses(Paths, name, cancellationToken);
        if (killed > 0)
        {
            sink.Verbose($"Killed {killed} processes left in container '{name}' by a supervisor that ended.");
        }
    }

    /// <summary>
    /// Mounts a container's root and starts the helper in <c>run</c> mode; returns the command's
    /// exit code. The caller holds the name lock, which is released once the helper holds the
    /// container's running lock, so no other command finds the container in between.
    /// </summary>
    private int Start(JailStart start, StoreLock nameLock, IOperationSink sink, CancellationToken cancellationToken)
    {
        string path = Paths.Container(start.Name);
        string root = Path.Combine(path, "filesystem");
        if (containers.Mount(start.Name))
        {
            sink.Verbose($"Mounted the root of container '{start.Name}' at '{root}'.");
        }

        WriteDebianChroot(root, start.Name);
        File.Delete(Path.Combine(path, "exit-code"));
        File.Delete(Path.Combine(path, "error"));

        var arguments = new List<string>
        {
            "run", root,
            "--hostname", start.Name,
            "--pid-file", Path.Combine(path, "pid"),
            "--exit-file", Path.Combine(path, "exit-code"),
            "--lock-file", Path.Combine(path, "lock"),
            "--error-file", Path.Combine(path, "error"),
            "--grace", ((int)start.Grace.TotalSeconds).ToString(CultureInfo.InvariantCulture),
            "--orphan-umount", root,
        };
        if (start.RemoveWhenOrphaned)
        {
            arguments.Add("--orphan-remove");
            arguments.Add(path);
        }

        if (start.Network == NetworkMode.None)
        {
            arguments.Add("--net-none");
        }

        foreach (VolumeSpec volume in start.Volumes)
        {
            arguments.Add("--volume");
            arguments.Add(volume.ToString());
        }

        foreach (string cgroup in start.Cgroups)
        {
            arguments.Add("--cgroup");
            arguments.Add(cgroup);
        }

        AddProcessOptions(arguments, start.Environment, start.WorkingDirectory, start.User);
        arguments.Add("--");
        arguments.AddRange(start.Command);
        sink.Verbose($"Running '{string.Join(' ', start.Command)}' in container '{start.Name}'.");
        string lockFile = Path.Combine(path, "lock");
        StreamMode mode = StreamMode.OutputCaptured;
        if (start.Interactive)
        {
            mode = StreamMode.Inherited;
        }
        else if (start.CaptureErrors)
        {
            mode = StreamMode.Captured;
        }

        return RunHelper(
            arguments,
            mode,
            sink,
            start.Grace,
            Path.Combine(path, "error"),
            start.Name,
            cancellationToken,
            process => ReleaseWhenRunning(process, lockFile, nameLock));
    }

    private static void ReleaseWhenRunning(Process process, string lockFile, StoreLock nameLock)
    {
        while (!process.HasExited && !StoreLock.IsHeld(lockFile))
        {
            Thread.Sleep(1);
        }

        nameLock.Dispose();
    }

    private static int RunHelper(
        List<string> arguments,
        StreamMode mode,
        IOperationSink sink,
        TimeSpan grace,
        string? errorFile,
        string name,
        CancellationToken cancellationToken,
        Action<Process>? onStarted = null)
    {
        int exitCode = ExternalProcess.Run(
            Jail.Path,
            arguments,
            mode,
            sink.Output,
            sink.ErrorLine,
            grace,
            cancellationToken,
            onStarted: onStarted);
        if (exitCode == Jail.SetupFailedExitCode && errorFile is not null && File.Exists(errorFile))
        {
            string reason = File.ReadAllText(errorFile).Trim();
            throw new CcException(
                "ContainerStartFailed",
                CcErrorKind.OperationFailed,
                $"Container '{name}' could not be started: {reason}.",
                name);
        }

        return exitCode;
    }

    /// <summary>
    /// Unmounts a container's root after its process ended and deletes the container when asked.
    /// Does nothing while the container still runs, so a second caller cannot pull its root away.
    /// </summary>
    public void Teardown(string name, bool remove, IOperationSink sink)
    {
        using StoreLock nameLock = StoreLock.Acquire(Paths.ContainerLock(name), CancellationToken.None);
        if (containers.GetState(name) is null or ContainerState.Running)
        {
            return;
        }

        KillLeftovers(name, sink, CancellationToken.None);
        if (containers.Unmount(name))
        {
            sink.Verbose($"Unmounted the root of container '{name}'.");
        }

        if (remove)
        {
            containers.Remove(name);
            sink.Verbose($"Removed container '{name}'.");
        }

        Cgroups.Release(Paths, name);
    }

    private static void AddProcessOptions(List<string> arguments, IReadOnlyDictionary<string, string> environment, string workingDirectory, string? user)
    {
        arguments.Add("--workdir");
        arguments.Add(workingDirectory);
        if (!string.IsNullOrEmpty(user))
        {
            arguments.Add("--user");
            arguments.Add(user);
        }

        foreach (var pair in environment)
        {
            arguments.Add("--env");
            arguments.Add($"{pair.Key}={pair.Value}");
        }
    }

    private static IReadOnlyList<string> ResolveCommand(IReadOnlyList<string> command, ImageInfo image)
    {
        if (command.Count > 0)
        {
            return command;
        }

        if (image.Config.Command is { Count: > 0 } defaultCommand)
        {
            return defaultCommand;
        }

        throw new CcException(
            "CommandMissing",
            CcErrorKind.InvalidArgument,
            $"Image '{image.Reference}' has no default command (CMD). Give the command to run after the image name.",
            image.Reference);
    }

    private static Dictionary<string, string> Merge(
        IReadOnlyDictionary<string, string> imageEnvironment,
        IReadOnlyDictionary<string, string> callerEnvironment,
        string term)
    {
        var merged = new Dictionary<string, string>(StringComparer.Ordinal) { ["TERM"] = term };
        foreach (var pair in imageEnvironment.Concat(callerEnvironment))
        {
            merged[pair.Key] = pair.Value;
        }

        return merged;
    }

    /// <summary>Writes the container name to <c>/etc/debian_chroot</c>, as the classic tools do, so Debian shells show it in their prompt.</summary>
    private static void WriteDebianChroot(string root, string name)
    {
        string etc = Path.Combine(root, "etc");
        if (Directory.Exists(etc) && new DirectoryInfo(etc).LinkTarget is null)
        {
            string file = Path.Combine(etc, "debian_chroot");
            if (new FileInfo(file).LinkTarget is null)
            {
                File.WriteAllText(file, name + "\n");
            }
        }
    }

    private static string AnonymousName(string image)
    {
        string suffix = RandomNumberGenerator.GetString("abcdefghijklmnopqrstuvwxyz0123456789", 5);
        string prefix = image.Length > 100 ? image[..100] : image;
        return $"{prefix}.{Environment.ProcessId}.{suffix}";
    }

    private sealed record JailStart(
        string Name,
        IReadOnlyList<string> Command,
        IReadOnlyDictionary<string, string> Environment,
        string WorkingDirectory,
        string? User,
        IReadOnlyList<VolumeSpec> Volumes,
        NetworkMode Network,
        bool Interactive,
        bool CaptureErrors,
        TimeSpan Grace,
        bool RemoveWhenOrphaned,
        IReadOnlyList<string> Cgroups);
}

/// <summary>
/// What <see cref="ContainerRunner.Exec"/> runs in an existing container.
/// </summary>
public sealed record ExecOptions
{
    /// <summary>Command and arguments, passed unchanged.</summary>
    public IReadOnlyList<string> Command { get; init; } = [];

    /// <summary>Environment variables added to the clean environment.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>Working directory inside the container; the image's when null.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>User (name, uid, USER:GROUP); the image's when null.</summary>
    public string? User { get; init; }

    /// <summary>Whether the terminal is handed to the command.</summary>
    public bool Interactive { get; init; }

    /// <summary>Value of TERM inside the container.</summary>
    public string Term { get; init; } = "xterm";

    /// <summary>Time between SIGTERM and SIGKILL when the command is stopped.</summary>
    public TimeSpan Grace { get; init; } = TimeSpan.FromSeconds(ContainerStore.DefaultGraceSeconds);
}
