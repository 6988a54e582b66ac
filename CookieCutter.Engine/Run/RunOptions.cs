using CookieCutter.Engine.Store;

namespace CookieCutter.Engine.Run;

/// <summary>Network of a container.</summary>
public enum NetworkMode
{
    /// <summary>The host's network, as the classic tools gave; builds need it for apt-get.</summary>
    Host,

    /// <summary>A network namespace of its own with only loopback.</summary>
    None,
}

/// <summary>
/// What <see cref="ContainerRunner.Run"/> creates and runs.
/// </summary>
public sealed record RunOptions
{
    /// <summary>Image as <c>NAME</c> or <c>NAME@VERSION</c>.</summary>
    public required ImageReference Image { get; init; }

    /// <summary>Command and arguments, passed unchanged; empty runs the image's default command.</summary>
    public IReadOnlyList<string> Command { get; init; } = [];

    /// <summary>Container name; null makes an anonymous container that is removed afterwards.</summary>
    public string? Name { get; init; }

    /// <summary>Whether the container is deleted when the command ends.</summary>
    public bool Remove { get; init; }

    /// <summary>Volumes to bind-mount.</summary>
    public IReadOnlyList<VolumeSpec> Volumes { get; init; } = [];

    /// <summary>Environment variables added to the clean environment.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>Working directory inside the container; the image's when null.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>User (name, uid, USER:GROUP); the image's when null.</summary>
    public string? User { get; init; }

    /// <summary>Whether the terminal is handed to the command.</summary>
    public bool Interactive { get; init; }

    /// <summary>
    /// Whether standard error is read line by line into <see cref="IOperationSink.ErrorLine"/>
    /// and standard input is empty, as build steps need; otherwise both are the caller's.
    /// </summary>
    public bool CaptureErrors { get; init; }

    /// <summary>Network of the container.</summary>
    public NetworkMode Network { get; init; } = NetworkMode.Host;

    /// <summary>Value of TERM inside the container.</summary>
    public string Term { get; init; } = "xterm";

    /// <summary>Time between SIGTERM and SIGKILL when the run is stopped.</summary>
    public TimeSpan Grace { get; init; } = TimeSpan.FromSeconds(ContainerStore.DefaultGraceSeconds);

    /// <summary>Memory limit in bytes, or null for none.</summary>
    public long? MemoryLimit { get; init; }

    /// <summary>CPU quota as a fraction of one CPU (1.5 is one and a half CPUs), or null for none.</summary>
    public double? CpuQuota { get; init; }
}

/// <summary>
/// The outcome of a finished run.
/// </summary>
/// <param name="Container">The container after the run, or null when it was removed.</param>
/// <param name="Name">Container name.</param>
/// <param name="ExitCode">Exit code of the command; 128 + N when signal N killed it.</param>
public sealed record RunResult(ContainerInfo? Container, string Name, int ExitCode);
