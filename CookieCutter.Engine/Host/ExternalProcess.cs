using System.Diagnostics;

namespace CookieCutter.Engine.Host;

/// <summary>
/// How a child process's standard streams are connected.
/// </summary>
public enum StreamMode
{
    /// <summary>Standard output and error are read line by line; standard input is empty.</summary>
    Captured,

    /// <summary>Standard output is read line by line; standard input and error are the caller's.</summary>
    OutputCaptured,

    /// <summary>All three streams are the caller's terminal.</summary>
    Inherited,
}

/// <summary>
/// Runs a program to completion, handing its output lines to callbacks as they arrive.
/// On cancellation it sends SIGTERM and, after a grace period, SIGKILL.
/// </summary>
public static class ExternalProcess
{
    private const int SigTerm = 15;

    /// <summary>Runs a program and returns its exit code.</summary>
    /// <param name="fileName">Program to run; found through PATH when not a path.</param>
    /// <param name="arguments">Arguments, passed unchanged.</param>
    /// <param name="mode">How standard streams are connected.</param>
    /// <param name="onOutput">Receives each standard output line, when captured.</param>
    /// <param name="onError">Receives each standard error line, when captured.</param>
    /// <param name="grace">Time between SIGTERM and SIGKILL after cancellation.</param>
    /// <param name="cancellationToken">Stops the program when cancelled; the method then throws after the program has exited.</param>
    /// <param name="environment">Variables added to the program's environment.</param>
    /// <param name="onStarted">Called with the process once it has started.</param>
    public static int Run(
        string fileName,
        IEnumerable<string> arguments,
        StreamMode mode,
        Action<string>? onOutput,
        Action<string>? onError,
        TimeSpan grace,
        CancellationToken cancellationToken,
        IReadOnlyDictionary<string, string>? environment = null,
        Action<Process>? onStarted = null)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            UseShellExecute = false,
            RedirectStandardOutput = mode != StreamMode.Inherited,
            RedirectStandardError = mode == StreamMode.Captured,
            RedirectStandardInput = mode == StreamMode.Captured,
        };
        foreach (string argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var pair in environment ?? new Dictionary<string, string>())
        {
            startInfo.Environment[pair.Key] = pair.Value;
        }

        using var process = new Process { StartInfo = startInfo };
        if (startInfo.RedirectStandardOutput)
        {
            process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is not null)
                {
                    onOutput?.Invoke(e.Data);
                }
            };
        }

        if (startInfo.RedirectStandardError)
        {
            process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is not null)
                {
                    onError?.Invoke(e.Data);
                }
            };
        }

        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception error)
        {
            throw new CcException(
                "ProgramNotFound",
                CcErrorKind.NotInstalled,
                $"Cannot start '{fileName}': {error.Message}. Run Initialize-CcHost -InstallMissing to install what the host lacks.",
                fileName,
                error);
        }

        if (startInfo.RedirectStandardInput)
        {
            process.StandardInput.Close();
        }

        if (startInfo.RedirectStandardOutput)
        {
            process.BeginOutputReadLine();
        }

        if (startInfo.RedirectStandardError)
        {
            process.BeginErrorReadLine();
        }

        try
        {
            onStarted?.Invoke(process);
        }
        catch
        {
            using var stop = new CancellationTokenSource();
            stop.Cancel();
            WaitForExit(process, grace, stop.Token);
            throw;
        }

        WaitForExit(process, grace, cancellationToken);
        process.WaitForExit();
        cancellationToken.ThrowIfCancellationRequested();
        return process.ExitCode;
    }

    /// <summary>Waits for a process; on cancellation sends SIGTERM, then SIGKILL to it after the grace period.</summary>
    public static void WaitForExit(Process process, TimeSpan grace, CancellationToken cancellationToken)
    {
        Task exited = process.WaitForExitAsync(CancellationToken.None);
        try
        {
            exited.Wait(cancellationToken);
            return;
        }
        catch (OperationCanceledException)
        {
        }

        LinuxCalls.Kill(process.Id, SigTerm);
        if (!exited.Wait(grace + TimeSpan.FromSeconds(5), CancellationToken.None))
        {
            process.Kill(entireProcessTree: true);
        }
    }
}
