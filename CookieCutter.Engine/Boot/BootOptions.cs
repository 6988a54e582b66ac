using CookieCutter.Engine.Store;

namespace CookieCutter.Engine.Boot;

/// <summary>
/// What <see cref="ContainerBooter.Boot"/> creates and boots.
/// </summary>
public sealed record BootOptions
{
    /// <summary>Image as <c>NAME</c> or <c>NAME@VERSION</c>; it must contain systemd.</summary>
    public required ImageReference Image { get; init; }

    /// <summary>Container name; null makes an anonymous container that is removed afterwards.</summary>
    public string? Name { get; init; }

    /// <summary>Whether the container is deleted when it shuts down.</summary>
    public bool Remove { get; init; }

    /// <summary>Volumes to bind-mount.</summary>
    public IReadOnlyList<VolumeSpec> Volumes { get; init; } = [];

    /// <summary>Machine name, which is also the container's hostname; the container name when null.</summary>
    public string? MachineName { get; init; }

    /// <summary>
    /// Whether to return once the system has booted and leave it running, rather than hand the
    /// terminal to its console until it shuts down.
    /// </summary>
    public bool Detach { get; init; }

    /// <summary>Time a detached boot may take before it counts as failed.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Time between the request to power off and SIGKILL when a failed boot is stopped.</summary>
    public TimeSpan Grace { get; init; } = TimeSpan.FromSeconds(ContainerStore.DefaultGraceSeconds);

    /// <summary>Memory limit in bytes, or null for none.</summary>
    public long? MemoryLimit { get; init; }

    /// <summary>CPU quota as a fraction of one CPU (1.5 is one and a half CPUs), or null for none.</summary>
    public double? CpuQuota { get; init; }

    /// <summary>Further systemd-nspawn options, passed unchanged after the ones the booter sets.</summary>
    public IReadOnlyList<string> NspawnArguments { get; init; } = [];
}

/// <summary>
/// The outcome of a boot.
/// </summary>
/// <param name="Container">The container: running after a detached boot; null when it was removed.</param>
/// <param name="Name">Container name.</param>
/// <param name="ExitCode">Exit code of systemd-nspawn after an attached boot; 0 after a detached one.</param>
public sealed record BootResult(ContainerInfo? Container, string Name, int ExitCode);
