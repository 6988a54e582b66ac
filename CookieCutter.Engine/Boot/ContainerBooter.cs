using System.Diagnostics;
using System.Security.Cryptography;
using CookieCutter.Engine.Host;
using CookieCutter.Engine.Run;
using CookieCutter.Engine.Store;

namespace CookieCutter.Engine.Boot;

/// <summary>
/// Creates containers as <see cref="ContainerRunner.Run"/> does and boots the image's own
/// systemd in them with systemd-nspawn. The container counts as running while systemd-nspawn
/// holds the flock on <c>containers/NAME/lock</c>, and <c>containers/NAME/pid</c> contains the
/// host pid of its init.
/// </summary>
/// <remarks>
/// Where the host has no systemd-machined, the machine is not registered and runs in cgroups of
/// its own (see <see cref="Cgroups"/>), which also find an init that outlived its systemd-nspawn.
/// </remarks>
public sealed class ContainerBooter
{
    private readonly ImageStore images;
    private readonly ContainerStore containers;
    private readonly ContainerRunner runner;

    /// <summary>Creates a booter over a store.</summary>
    public ContainerBooter(StorePaths paths)
    {
        Paths = paths;
        images = new ImageStore(paths);
        containers = new ContainerStore(paths, images);
        runner = new ContainerRunner(paths);
    }

    /// <summary>Store paths.</summary>
    public StorePaths Paths { get; }

    /// <summary>
    /// Creates a container and boots it. Attached, the terminal is the container's console, and
    /// the method returns when the container has shut down and been unmounted, and removed when
    /// <see cref="BootOptions.Remove"/> is set. Detached, it returns once the system is running
    /// or degraded and leaves the container running. A failure, timeout or cancellation stops
    /// the container and runs the same teardown.
    /// </summary>
    public BootResult Boot(BootOptions options, IOperationSink sink, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(sink);
        Paths.EnsureExists();
        ImageInfo image = images.Resolve(options.Image);
        string name = options.Name is null ? AnonymousName(image.Name) : Names.Validate(options.Name, "container");
        string machineName = NspawnCommand.ValidateMachineName(options.MachineName ?? name);
        bool remove = options.Remove || options.Name is null;
        bool register = CheckHost(machineName, sink);

        StoreLock? nameLock = StoreLock.Acquire(Paths.ContainerLock(name), cancellationToken);
        try
        {
            KillOrphans(name, sink, cancellationToken);
            runner.ReclaimOrReject(name, sink, cancellationToken);
            var settings = new ContainerSettings { IsBooted = true, MachineName = machineName, RemoveOnExit = remove };
            sink.Verbose($"Creating container '{name}' from image '{image.Reference}'.");
            containers.Create(name, image, options.Volumes, settings);
        }
        catch
        {
            nameLock.Dispose();
            throw;
        }

        bool leaveRunning = false;
        bool failed = true;
        int exitCode = 0;
        try
        {
            string root = Prepare(name, image, machineName, sink);
            IReadOnlyList<string> cgroups = register
                ? []
                : Cgroups.Prepare(Paths, name, options.MemoryLimit, options.CpuQuota, tracking: true, sink);
            List<string> nspawnArguments = NspawnCommand.Arguments(
                root,
                machineName,
                options.Volumes,
                register,
                options.Detach,
                options.MemoryLimit,
                options.CpuQuota,
                options.NspawnArguments);
            (string program, List<string> arguments) =
                BootSupervisor.CommandLine(Paths.Container(name), cgroups, nspawnArguments, options.Detach);
            sink.Verbose($"Booting container '{name}': {NspawnCommand.Program} {string.Join(' ', nspawnArguments)}");
            if (options.Detach)
            {
                BootDetached(name, program, arguments, options, ref nameLock, sink, cancellationToken);
                leaveRunning = true;
            }
            else
            {
                exitCode = BootAttached(name, program, arguments, options.Grace, ref nameLock, cancellationToken);
            }

            failed = false;
        }
        finally
        {
            nameLock?.Dispose();
            if (!leaveRunning)
            {
                // A container whose boot failed never ran a system worth keeping.
                Teardown(name, remove || failed, options.Grace, sink);
            }
        }

        return new BootResult(containers.TryGet(name), name, exitCode);
    }

    /// <summary>
    /// Throws <c>ProgramNotFound</c> without systemd-nspawn and returns whether the machine
    /// can be registered with systemd-machined, saying once in the verbose stream when not.
    /// </summary>
    private static bool CheckHost(string machineName, IOperationSink sink)
    {
        if (HostSetup.FindProgram(NspawnCommand.Program) is null)
        {
            throw new CcException(
                "ProgramNotFound",
                CcErrorKind.NotInstalled,
                "systemd-nspawn is not installed. Run Initialize-CcHost -InstallMissing, or install " +
                "the package systemd-container.",
                NspawnCommand.Program);
        }

        bool register = NspawnCommand.CanRegister();
        if (!register)
        {
            sink.Verbose(
                $"This host has no systemd-machined, so machine '{machineName}' boots unregistered " +
                "and machinectl does not list it.");
        }

        return register;
    }

    /// <summary>Mounts the container root, checks that it can boot, sets its hostname and returns its path.</summary>
    private string Prepare(string name, ImageInfo image, string machineName, IOperationSink sink)
    {
        string root = Path.Combine(Paths.Container(name), "filesystem");
        if (containers.Mount(name))
        {
            sink.Verbose($"Mounted the root of container '{name}' at '{root}'.");
        }

        if (!NspawnCommand.CheckImage(root, image.Reference))
        {
            sink.Warning(
                $"Image '{image.Reference}' has no dbus, so machinectl shell cannot reach container " +
                $"'{name}'. Install dbus in its spec.");
        }

        WriteHostname(root, machineName);
        return root;
    }

    private void BootDetached(
        string name,
        string program,
        List<string> arguments,
        BootOptions options,
        ref StoreLock? nameLock,
        IOperationSink sink,
        CancellationToken cancellationToken)
    {
        string path = Paths.Container(name);
        using Process process = Start(program, arguments);
        try
        {
            int init = BootSupervisor.WaitForInit(process, path, cancellationToken) ?? throw new CcException(
                "BootFailed",
                CcErrorKind.OperationFailed,
                $"systemd-nspawn could not start container '{name}' (exit code {process.ExitCode}). " +
                BootSupervisor.LogTail(path),
                name);
            nameLock?.Dispose();
            nameLock = null;
            string state = BootSupervisor.WaitForBoot(name, init, path, options.Timeout, sink, cancellationToken);
            sink.Verbose($"Container '{name}' has booted (init pid {init}, system state '{state}').");
        }
        catch
        {
            nameLock?.Dispose();
            nameLock = null;
            Abort(name, process, options.Grace);
            throw;
        }
    }

    private int BootAttached(
        string name,
        string program,
        List<string> arguments,
        TimeSpan grace,
        ref StoreLock? nameLock,
        CancellationToken cancellationToken)
    {
        string path = Paths.Container(name);
        StoreLock? heldLock = nameLock;
        nameLock = null;
        try
        {
            return ExternalProcess.Run(
                program,
                arguments,
                StreamMode.Inherited,
                null,
                null,
                grace,
                cancellationToken,
                new Dictionary<string, string> { ["SYSTEMD_NSPAWN_LOCK"] = "0" },
                process =>
                {
                    BootSupervisor.WaitForInit(process, path, CancellationToken.None);
                    heldLock?.Dispose();
                });
        }
        finally
        {
            heldLock?.Dispose();
        }
    }

    /// <summary>
    /// Starts the supervisor chain without waiting for it. systemd-nspawn's own image lock is
    /// turned off (<c>SYSTEMD_NSPAWN_LOCK=0</c>) because the container's lock file does that job
    /// and the image lock would leave a lock file next to the container root.
    /// </summary>
    private static Process Start(string program, List<string> arguments)
    {
        var startInfo = new ProcessStartInfo(program) { UseShellExecute = false };
        foreach (string argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        startInfo.Environment["SYSTEMD_NSPAWN_LOCK"] = "0";
        try
        {
            return Process.Start(startInfo) ?? throw new InvalidOperationException($"'{program}' did not start.");
        }
        catch (System.ComponentModel.Win32Exception error)
        {
            throw new CcException(
                "ProgramNotFound",
                CcErrorKind.NotInstalled,
                $"Cannot start '{program}': {error.Message}. Install util-linux on the host.",
                program,
                error);
        }
    }

    /// <summary>
    /// Stops a detached boot that failed: sends its init the power-off signal when its pid is known,
    /// else kills systemd-nspawn. The teardown then kills what is left in the cgroups.
    /// </summary>
    private void Abort(string name, Process process, TimeSpan grace)
    {
        if (File.Exists(Path.Combine(Paths.Container(name), "pid")))
        {
            containers.Stop(name, grace, CancellationToken.None);
        }
        else if (!process.HasExited)
        {
            process.Kill();
            process.WaitForExit();
        }
    }

    /// <summary>
    /// Kills what is left in the cgroups of a container that is not running. An init whose
    /// systemd-nspawn was killed keeps running without the lock, and keeps the root in use.
    /// </summary>
    private void KillOrphans(string name, IOperationSink sink, CancellationToken cancellationToken)
    {
        if (containers.GetState(name) is null or ContainerState.Running)
        {
            return;
        }

        int killed = Cgroups.KillProcesses(Paths, name, cancellationToken);
        if (killed > 0)
        {
            sink.Verbose($"Killed {killed} processes left in container '{name}' after its systemd-nspawn ended.");
        }
    }

    /// <summary>
    /// Runs after the container has stopped: kills what an ended systemd-nspawn left behind,
    /// unmounts the root, deletes the container when asked and removes its cgroups.
    /// Stop-CcContainer may have torn the container down already.
    /// </summary>
    private void Teardown(string name, bool remove, TimeSpan grace, IOperationSink sink)
    {
        if (containers.GetState(name) == ContainerState.Running)
        {
            containers.Stop(name, grace, CancellationToken.None);
        }

        using (StoreLock.Acquire(Paths.ContainerLock(name), CancellationToken.None))
        {
            if (!containers.Exists(name))
            {
                Cgroups.Release(Paths, name);
                return;
            }

            KillOrphans(name, sink, CancellationToken.None);
            File.Delete(Path.Combine(Paths.Container(name), "pid"));
        }

        runner.Teardown(name, remove, sink);
        Cgroups.Release(Paths, name);
    }

    /// <summary>
    /// Writes the machine name to <c>/etc/hostname</c>, because systemd in the container sets
    /// the hostname from that file, and an image bootstrapped on a host has the host's name
    /// there. A symbolic link there is replaced rather than followed, so the write stays inside
    /// the root.
    /// </summary>
    private static void WriteHostname(string root, string machineName)
    {
        string etc = Path.Combine(root, "etc");
        if (!Directory.Exists(etc) || new DirectoryInfo(etc).LinkTarget is not null)
        {
            return;
        }

        string file = Path.Combine(etc, "hostname");
        if (new FileInfo(file).LinkTarget is not null)
        {
            File.Delete(file);
        }

        File.WriteAllText(file, machineName + "\n");
    }

    /// <summary>
    /// Returns IMAGE.PID.RANDOM like anonymous runs, with the image name cut to 40 characters
    /// so that the name stays within the 64 characters of a machine name.
    /// </summary>
    private static string AnonymousName(string image)
    {
        string suffix = RandomNumberGenerator.GetString("abcdefghijklmnopqrstuvwxyz0123456789", 5);
        string prefix = image.Length > 40 ? image[..40] : image;
        return $"{prefix}.{Environment.ProcessId}.{suffix}";
    }
}
