using System.Diagnostics;
using System.Globalization;
using CookieCutter.Engine.Host;
using CookieCutter.Engine.Run;
using CookieCutter.Engine.Store;

namespace CookieCutter.Engine.Boot;

/// <summary>
/// Starts systemd-nspawn for a container and watches it boot. The process chain is
/// <c>setsid</c> (detached) or <c>setpriv --pdeathsig=TERM</c> (attached), then a shell that
/// joins the container's cgroups, then util-linux <c>flock --no-fork</c> on the container's lock
/// file. Each program replaces itself with the next, so the started process becomes
/// systemd-nspawn and holds the lock for as long as it runs.
/// </summary>
/// <remarks>
/// A detached container gets a session of its own, and systemd-nspawn writes its messages to
/// <c>containers/NAME/boot.log</c>. An attached one gets SIGTERM, which makes systemd-nspawn stop
/// the container, when the thread that started it ends, for example because pwsh was killed.
/// </remarks>
internal static class BootSupervisor
{
    /// <summary>Name of the file in a container folder that receives a detached boot's messages.</summary>
    public const string LogFileName = "boot.log";

    /// <summary>
    /// Shell script run as <c>sh -c SCRIPT cc-boot LOG CGROUP... -- PROGRAM ARG...</c>: it sends
    /// its output to LOG unless LOG is empty, moves itself into each CGROUP, then runs PROGRAM.
    /// </summary>
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

        arguments.AddRange(["/bin/sh", "-c", JoinAndExec, "cc-boot"]);
        arguments.Add(detach ? Path.Combine(containerPath, LogFileName) : string.Empty);
        arguments.AddRange(cgroups);
        arguments.Add("--");
        arguments.AddRange(["flock", "--exclusive", "--no-fork", Path.Combine(containerPath, "lock")]);
        arguments.Add(NspawnCommand.Program);
        arguments.AddRange(nspawnArguments);
        return (program, arguments);
    }

    /// <summary>
    /// Waits until the started process holds the container's lock and has started the
    /// container's init, then writes the init's host pid to <c>containers/NAME/pid</c> and
    /// returns it. Returns null when the process exits first.
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
    /// Polls <c>systemctl is-system-running</c> inside the container until it returns running
    /// or degraded, and returns that state. Throws <c>BootTimeout</c> when the timeout passes
    /// and <c>BootFailed</c> when the container stops first.
    /// </summary>
    public static string WaitForBoot(
        string name,
        int initPid,
        string containerPath,
        TimeSpan timeout,
        IOperationSink sink,
        CancellationToken cancellationToken)
    {
        DateTime giveUpAt = DateTime.UtcNow + timeout;
        string lockFile = Path.Combine(containerPath, "lock");
        string state = "unknown";
        string[] command =
            ["enter", initPid.ToString(CultureInfo.InvariantCulture), "--", "systemctl", "is-system-running"];
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
                TimeSpan grace = TimeSpan.FromSeconds(2);
                ExternalProcess.Run(
                    Jail.Path, command, StreamMode.Captured, lines.Add, null, grace, cancellationToken);
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
                    $"Container '{name}' did not finish booting within {timeout.TotalSeconds:0} seconds " +
                    $"(its system state was '{state}'). Boot it without -Detach to watch its console, " +
                    "or give a longer -Timeout.",
                    name);
            }

            cancellationToken.WaitHandle.WaitOne(200);
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    /// <summary>
    /// Returns the last lines that systemd-nspawn wrote for a detached container, as a sentence
    /// for an error message, or an empty string when there are none.
    /// </summary>
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

    /// <summary>Returns the container's init: the first descendant of a process that is in another pid namespace.</summary>
    private static int? FindInit(int rootPid, string? hostNamespace)
    {
        var pending = new Queue<int>();
        pending.Enqueue(rootPid);
        while (pending.TryDequeue(out int pid))
        {
            foreach (int child in Children(pid))
            {
                string? pidNamespace = ReadLink($"/proc/{child}/ns/pid");
                if (pidNamespace is not null && pidNamespace != hostNamespace)
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

    /// <summary>
    /// Returns whether a process runs systemd yet. Before it does, systemd-nspawn may still be
    /// setting up its mounts, so a command entering it could see the host's files.
    /// </summary>
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
