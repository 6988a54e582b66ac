using System.Diagnostics;
using System.Globalization;
using CookieCutter.Engine.Host;
using CookieCutter.Engine.Run;
using CookieCutter.Engine.Store;

namespace CookieCutter.Engine.Boot;

/// <summary>
/// Starts systemd-nspawn for a container and watches it. The process chain is
/// <c>setsid</c> (detached) or <c>setpriv --pdeathsig TERM</c> (attached), then a shell that
/// joins the container's cgroups, then util-linux <c>flock -F</c> on the container's lock file,
/// each replacing itself with the next, so the started pid is systemd-nspawn and holds the lock
/// for as long as it runs. A detached container gets its own session and writes its
/// systemd-nspawn messages to <c>containers/NAME/boot.log</c>; an attached one is stopped
/// cleanly (SIGTERM makes systemd-nspawn power the container off) when the thread that
/// started it dies.
/// </summary>
internal static class BootSupervisor
{
    /// <summary>Name of the file in a container folder that receives a detached boot's messages.</summary>
    public const string LogFileName = "boot.log";

    private const string JoinAndExec =
        "log=$1; shift; " +
        "if [ -n \"$log\" ]; then exec </dev/null >\"$log\" 2>&1; fi; " +
        "while [ \"$1\" != -- ]; do echo $$ >\"$1/cgroup.procs\" || exit 125; shift; done; shift; " +
        "exec \"$@\"";

    /// <summary>Returns the program and arguments that start systemd-nspawn under the supervisor chain.</summary>
    public static (string Program, List<string> Arguments) CommandLine(
        string containerPath,
        IReadOnlyList<string> cgroups,
        IReadOnlyList<string> nspawnArguments,
        bool detach)
    {
        var arguments = new List<string>();
        string program = detach ? "setsid" : "setpriv";
        if (!detach)
        {
            arguments.Add("--pdeathsig=TERM");
            arguments.Add("--");
        }

        arguments.Add("/bin/sh");
        arguments.Add("-c");
        arguments.Add(JoinAndExec);
        arguments.Add("cc-boot");
        arguments.Add(detach ? Path.Combine(containerPath, LogFileName) : string.Empty);
        arguments.AddRange(cgroups);
        arguments.Add("--");
        arguments.Add("flock");
        arguments.Add("--exclusive");
        arguments.Add("--no-fork");
        arguments.Add(Path.Combine(containerPath, "lock"));
        arguments.Add(NspawnCommand.Program);
        arguments.AddRange(nspawnArguments);
        return (program, arguments);
    }

    /// <summary>
    /// Waits until the started process holds the container's lock and has started the container's
    /// init, writes the init's host pid to <c>containers/NAME/pid</c> and returns it; returns null
    /// when the process exits first.
    /// </summary>
    public static int? WaitForInit(Process process, string containerPath, CancellationToken cancellationToken)
    {
        string lockFile = Path.Combine(containerPath, "lock");
        string? hostNamespace = ReadLink("/proc/self/ns/pid");
        while (!process.HasExited)
        {
            if (StoreLock.IsHeld(lockFile) && FindInit(process.Id, hostNamespace) is int init)
            {
                string pidFile = Path.Combine(containerPath, "pid");
                File.WriteAllText(pidFile + ".new", init.ToString(CultureInfo.InvariantCulture) + "\n");
                File.Move(pidFile + ".new", pidFile, overwrite: true);
                return init;
            }

            cancellationToken.WaitHandle.WaitOne(10);
            cancellationToken.ThrowIfCancellationRequested();
        }

        return null;
    }

    /// <summary>
    /// Polls <c>systemctl is-system-running</c> inside the container until it reports running
    /// or degraded. Throws <c>BootTimeout</c> when the timeout passes and <c>BootFailed</c> when
    /// the container stops first.
    /// </summary>
    public static string WaitForBoot(string name, int initPid, string containerPath, TimeSpan timeout, IOperationSink sink, CancellationToken cancellationToken)
    {
        DateTime giveUpAt = DateTime.UtcNow + timeout;
        string lockFile = Path.Combine(containerPath, "lock");
        string state = "unknown";
        string[] command = ["enter", initPid.ToString(CultureInfo.InvariantCulture), "--", "systemctl", "is-system-running"];
        while (true)
        {
            if (!StoreLock.IsHeld(lockFile))
            {
                throw new CcException(
                    "BootFailed",
                    CcErrorKind.OperationFailed,
                    $"Container '{name}' stopped while it was booting. {LogTail(containerPath)}",
                    name);
            }

            if (IsSystemd(initPid))
            {
                var lines = new List<string>();
                ExternalProcess.Run(Jail.Path, command, StreamMode.Captured, lines.Add, null, TimeSpan.FromSeconds(2), cancellationToken);
                string previous = state;
                state = lines.FirstOrDefault(l => l.Length > 0)?.Trim() ?? "unknown";
                if (state is "running" or "degraded")
                {
                    return state;
                }

                if (state != previous)
                {
                    sink.Verbose($"Container '{name}' is booting: its system state is '{state}'.");
                }
            }

            if (DateTime.UtcNow >= giveUpAt)
            {
                throw new CcException(
                    "BootTimeout",
                    CcErrorKind.OperationTimeout,
                    $"Container '{name}' did not finish booting within {timeout.TotalSeconds:0} seconds (its system state was '{state}'). " +
                    "Boot it attached to watch its console, or give a longer -Timeout.",
                    name);
            }

            cancellationToken.WaitHandle.WaitOne(200);
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    /// <summary>Returns the last lines systemd-nspawn wrote for a detached container, as a sentence for an error message.</summary>
    public static string LogTail(string containerPath)
    {
        string file = Path.Combine(containerPath, LogFileName);
        if (!File.Exists(file))
        {
            return string.Empty;
        }

        string[] lines = File.ReadAllLines(file).Where(l => l.Trim().Length > 0).TakeLast(5).ToArray();
        return lines.Length == 0 ? string.Empty : "systemd-nspawn wrote: " + string.Join(" | ", lines);
    }

    /// <summary>Returns the first descendant of a process that lives in another pid namespace: the container's init.</summary>
    private static int? FindInit(int rootPid, string? hostNamespace)
    {
        var pending = new Queue<int>();
        pending.Enqueue(rootPid);
        while (pending.TryDequeue(out int pid))
        {
            foreach (int child in Children(pid))
            {
                string? space = ReadLink($"/proc/{child}/ns/pid");
                if (space is not null && space != hostNamespace)
                {
                    return child;
                }

                pending.Enqueue(child);
            }
        }

        return null;
    }

    private static IEnumerable<int> Children(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid}/task/{pid}/children");
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            yield break;
        }

        foreach (string word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (int.TryParse(word, NumberStyles.None, CultureInfo.InvariantCulture, out int child))
            {
                yield return child;
            }
        }
    }

    /// <summary>Returns whether a process runs systemd yet; before it does, its namespaces may still be half set up.</summary>
    private static bool IsSystemd(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/comm").Trim() == "systemd";
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static string? ReadLink(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget;
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
