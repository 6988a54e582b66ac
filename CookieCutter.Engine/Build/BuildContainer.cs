using System.Globalization;
using System.Security.Cryptography;
using CookieCutter.Engine.Host;
using CookieCutter.Engine.Run;
using CookieCutter.Engine.Store;

namespace CookieCutter.Engine.Build;

/// <summary>
/// A throw-away container on top of a layer, in which one build step runs. Its upper dir
/// becomes the step's layer. Disposing it unmounts and deletes whatever is left of it.
/// </summary>
internal sealed class BuildContainer : IDisposable
{
    private readonly ContainerStore containers;
    private readonly StoreLock nameLock;

    private BuildContainer(ContainerStore containers, string name, StoreLock nameLock)
    {
        this.containers = containers;
        this.nameLock = nameLock;
        Name = name;
        Path = containers.Paths.Container(name);
    }

    public string Name { get; }

    public string Path { get; }

    public string Root => System.IO.Path.Combine(Path, "filesystem");

    public string Diff => System.IO.Path.Combine(Path, "diff");

    /// <summary>Creates and mounts a container whose lower layers are <paramref name="layerPath"/> and its chain.</summary>
    public static BuildContainer Create(ContainerStore containers, string imageName, string layerPath, CancellationToken cancellationToken)
    {
        string suffix = RandomNumberGenerator.GetString("abcdefghijklmnopqrstuvwxyz0123456789", 6);
        string prefix = imageName.Length > 100 ? imageName[..100] : imageName;
        string name = $"build-{prefix}-{suffix}";
        StoreLock nameLock = StoreLock.Acquire(containers.Paths.ContainerLock(name), cancellationToken);
        var container = new BuildContainer(containers, name, nameLock);
        try
        {
            var layer = new ImageInfo(
                LayerCache.FolderName,
                System.IO.Path.GetFileName(layerPath),
                DateTime.UtcNow,
                string.Empty,
                0,
                0,
                isCurrent: false,
                layerPath,
                ImageConfig.Empty);
            containers.Create(name, layer, [], new ContainerSettings { RemoveOnExit = true });
            containers.Mount(name);
            return container;
        }
        catch
        {
            container.Dispose();
            throw;
        }
    }

    /// <summary>Runs a command in the container and returns its exit code; output lines go to the callbacks.</summary>
    public int Run(
        IReadOnlyList<string> command,
        IReadOnlyDictionary<string, string> environment,
        string workingDirectory,
        string? user,
        bool interactive,
        Action<string> onOutput,
        Action<string> onError,
        TimeSpan grace,
        CancellationToken cancellationToken)
    {
        string errorFile = System.IO.Path.Combine(Path, "error");
        File.Delete(errorFile);
        var arguments = new List<string>
        {
            "run", Root,
            "--hostname", Name,
            "--pid-file", System.IO.Path.Combine(Path, "pid"),
            "--exit-file", System.IO.Path.Combine(Path, "exit-code"),
            "--lock-file", System.IO.Path.Combine(Path, "lock"),
            "--error-file", errorFile,
            "--grace", ((int)grace.TotalSeconds).ToString(CultureInfo.InvariantCulture),
            "--orphan-umount", Root,
            "--orphan-remove", Path,
            "--workdir", workingDirectory,
        };
        if (!string.IsNullOrEmpty(user))
        {
            arguments.Add("--user");
            arguments.Add(user);
        }

        foreach ((string key, string value) in environment)
        {
            arguments.Add("--env");
            arguments.Add($"{key}={value}");
        }

        arguments.Add("--");
        arguments.AddRange(command);
        int exitCode = ExternalProcess.Run(
            Jail.Path,
            arguments,
            interactive ? StreamMode.Inherited : StreamMode.Captured,
            onOutput,
            onError,
            grace,
            cancellationToken);
        if (exitCode == Jail.SetupFailedExitCode && File.Exists(errorFile))
        {
            throw new CcException(
                "ContainerStartFailed",
                CcErrorKind.OperationFailed,
                $"Build container '{Name}' could not be started: {File.ReadAllText(errorFile).Trim()}.",
                Name);
        }

        return exitCode;
    }

    /// <summary>Unmounts the root so that the upper dir can be moved into the cache.</summary>
    public void Unmount() => containers.Unmount(Name);

    public void Dispose()
    {
        try
        {
            if (Directory.Exists(Path))
            {
                containers.Unmount(Name);
                FileTree.Delete(Path);
            }
        }
        finally
        {
            nameLock.Dispose();
        }
    }
}
