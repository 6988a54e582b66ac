namespace CookieCutter.Engine.Store;

/// <summary>State of a container.</summary>
public enum ContainerState
{
    /// <summary>Created but never run.</summary>
    Created,

    /// <summary>A process runs in it.</summary>
    Running,

    /// <summary>Its process has finished.</summary>
    Exited,
}

/// <summary>
/// A container in the store.
/// </summary>
public sealed class ContainerInfo
{
    internal ContainerInfo(
        string name,
        string image,
        string imageVersion,
        ContainerState state,
        int? pid,
        int? exitCode,
        bool isBooted,
        string? machineName,
        IReadOnlyList<string> volumes,
        DateTime created,
        long size,
        string path,
        bool isMounted)
    {
        Name = name;
        Image = image;
        ImageVersion = imageVersion;
        State = state;
        Pid = pid;
        ExitCode = exitCode;
        IsBooted = isBooted;
        MachineName = machineName;
        Volumes = volumes;
        Created = created;
        Size = size;
        Path = path;
        IsMounted = isMounted;
    }

    /// <summary>Container name.</summary>
    public string Name { get; }

    /// <summary>Name of the image it was created from.</summary>
    public string Image { get; }

    /// <summary>Version of the image it was created from.</summary>
    public string ImageVersion { get; }

    /// <summary>Whether it is running, exited or only created.</summary>
    public ContainerState State { get; }

    /// <summary>Host pid of its first process (its init when booted), while it runs.</summary>
    public int? Pid { get; }

    /// <summary>Exit code of its last run, when it has exited.</summary>
    public int? ExitCode { get; }

    /// <summary>Whether it was booted with systemd-nspawn rather than run.</summary>
    public bool IsBooted { get; }

    /// <summary>Machine name of a booted container.</summary>
    public string? MachineName { get; }

    /// <summary>Volumes as <c>HOST:CONTAINER[:ro]</c>.</summary>
    public IReadOnlyList<string> Volumes { get; }

    /// <summary>Creation time, in UTC.</summary>
    public DateTime Created { get; }

    /// <summary>Bytes in the container's own writable layer.</summary>
    public long Size { get; }

    /// <summary>Folder of the container in the store.</summary>
    public string Path { get; }

    /// <summary>Whether its root file system is mounted in the host's mount namespace.</summary>
    public bool IsMounted { get; }

    /// <summary>Mount point of its root file system.</summary>
    public string RootPath => System.IO.Path.Combine(Path, "filesystem");

    /// <inheritdoc/>
    public override string ToString() => Name;
}
