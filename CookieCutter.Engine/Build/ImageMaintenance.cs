using CookieCutter.Engine.Host;
using CookieCutter.Engine.Store;

namespace CookieCutter.Engine.Build;

/// <summary>
/// Saving containers as image versions, removing images and collecting unused versions and
/// cached build layers.
/// </summary>
public sealed class ImageMaintenance
{
    private readonly StorePaths paths;
    private readonly ImageStore images;
    private readonly ContainerStore containers;
    private readonly LayerCache cache;

    /// <summary>Creates the maintenance operations of a store.</summary>
    public ImageMaintenance(StorePaths paths)
    {
        this.paths = paths;
        images = new ImageStore(paths);
        containers = new ContainerStore(paths, images);
        cache = new LayerCache(images);
    }

    /// <summary>
    /// Commits a copy of a stopped container's upper dir as a new version of an image, on top
    /// of the version the container was created from and with that version's settings. The
    /// container is left as it was. Whiteouts and opaque folders are copied with the files.
    /// </summary>
    /// <exception cref="CcException"><c>ContainerNotFound</c>, <c>ContainerRunning</c>, <c>SaveFailed</c>.</exception>
    public ImageInfo Save(string containerName, string imageName, IOperationSink sink, CancellationToken cancellationToken)
    {
        paths.EnsureExists();
        Names.ValidateWritableImage(imageName);
        using StoreLock containerLock = StoreLock.Acquire(paths.ContainerLock(containerName), cancellationToken);
        ContainerInfo container = containers.Get(containerName);
        if (container.State == ContainerState.Running)
        {
            throw new CcException(
                "ContainerRunning",
                CcErrorKind.InvalidOperation,
                $"Container '{containerName}' is running. Stop it with Stop-CcContainer before saving it.",
                containerName);
        }

        string parent = images.ParentPath(container.Path) ?? throw new CcException(
            "ImageNotFound",
            CcErrorKind.NotFound,
            $"The image version of container '{containerName}' is missing from the store.",
            containerName);
        using StoreLock imageLock = StoreLock.Acquire(paths.ImageLock(imageName), cancellationToken);
        string copy = Path.Combine(paths.Images, LayerCache.FolderName, ".save-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
        try
        {
            sink.Verbose($"Copying the upper dir of container '{containerName}'.");
            int exitCode = ExternalProcess.Run(
                "cp",
                ["-a", "--", Path.Combine(container.Path, "diff"), copy],
                StreamMode.Captured,
                null,
                sink.Warning,
                TimeSpan.FromSeconds(5),
                cancellationToken);
            if (exitCode != 0)
            {
                throw new CcException(
                    "SaveFailed",
                    CcErrorKind.OperationFailed,
                    $"Copying the files of container '{containerName}' failed (cp exit code {exitCode}).",
                    containerName);
            }

            ImageInfo version = images.Commit(imageName, copy, parent, ImageConfig.Load(parent));
            sink.Verbose($"Saved container '{containerName}' as image '{version.Reference}'.");
            return version;
        }
        catch
        {
            FileTree.Delete(copy);
            throw;
        }
    }

    /// <summary>
    /// Removes an image: its <c>current</c> link and every version nothing uses. An image with a
    /// version used by a container or a child image is rejected unless <paramref name="force"/>;
    /// with it, the used versions stay on disk until their users are gone, when a clean-up
    /// removes them.
    /// </summary>
    /// <exception cref="CcException"><c>ImageNotFound</c>, <c>ImageInUse</c>.</exception>
    public CleanupResult Remove(string name, bool force, IOperationSink sink, CancellationToken cancellationToken)
    {
        paths.EnsureExists();
        Names.ValidateWritableImage(name);
        using StoreLock imageLock = StoreLock.Acquire(paths.ImageLock(name), cancellationToken);
        IReadOnlyList<ImageInfo> versions = images.Versions(name);
        if (versions.Count == 0 && !Directory.Exists(paths.Image(name)))
        {
            throw new CcException(
                "ImageNotFound",
                CcErrorKind.NotFound,
                $"Image '{name}' was not found. Run Get-CcImage to list images.",
                name);
        }

        var users = new List<string>();
        foreach (ImageInfo version in versions)
        {
            users.AddRange(Users(version.Path, []).Select(r => $"{r} (of {version.Reference})"));
        }

        if (users.Count > 0 && !force)
        {
            throw new CcException(
                "ImageInUse",
                CcErrorKind.InvalidOperation,
                $"Image '{name}' is in use by {string.Join(", ", users)}. Remove those first, or use -Force to remove the image name and every version nothing uses.",
                name);
        }

        if (!sink.ShouldProcess(name, "Remove image"))
        {
            return new CleanupResult([], 0, 0);
        }

        string current = Path.Combine(paths.Image(name), "current");
        if (new FileInfo(current).LinkTarget is not null)
        {
            File.Delete(current);
        }

        var removed = new List<string>();
        long bytes = 0;
        string imagePath = paths.Image(name) + "/";
        bool progress = true;
        while (progress)
        {
            progress = false;
            foreach ((ImageInfo version, long size) in images.CollectGarbage(name, _ => true))
            {
                removed.Add(version.Reference);
                bytes += size;
                progress = true;
            }

            foreach ((string _, long size) in cache.CollectGarbage((key, _) => ChainPassesThrough(key, imagePath)))
            {
                bytes += size;
                progress = true;
            }
        }

        if (!images.Versions(name).Any())
        {
            FileTree.Delete(paths.Image(name));
        }
        else
        {
            sink.Warning($"Versions of image '{name}' still in use stay on disk until their users are removed; Clear-CcImage removes them then.");
        }

        return new CleanupResult(removed, 0, bytes);
    }

    /// <summary>
    /// Returns the containers and image versions that use a version or cached layer, directly
    /// or through cached layers built on it. A cached layer that nothing else uses is no user,
    /// because no build can reach it once its parent is gone.
    /// </summary>
    private List<string> Users(string path, HashSet<string> visited)
    {
        var users = new List<string>();
        if (!visited.Add(path))
        {
            return users;
        }

        ImageStore.DropStaleReferences(path);
        string cachePrefix = $"images/{LayerCache.FolderName}@";
        foreach (string reference in ImageStore.LiveReferences(path))
        {
            if (reference.StartsWith(cachePrefix, StringComparison.Ordinal))
            {
                users.AddRange(Users(Path.Combine(cache.VersionsPath, reference[cachePrefix.Length..]), visited));
            }
            else
            {
                users.Add(reference);
            }
        }

        return users;
    }

    /// <summary>Returns whether a cached layer's chain includes a folder below <paramref name="imagePath"/>.</summary>
    private bool ChainPassesThrough(string key, string imagePath)
    {
        try
        {
            return images.LayerChain(Path.Combine(cache.VersionsPath, key)).Any(l => l.StartsWith(imagePath, StringComparison.Ordinal));
        }
        catch (CcException)
        {
            return false;
        }
    }

    /// <summary>
    /// Removes, for each image whose name matches, every version that is not current and that
    /// no container or child image uses, then every cached build layer nothing uses. Each
    /// removal is offered to <see cref="IOperationSink.ShouldProcess"/> first.
    /// </summary>
    public CleanupResult CollectGarbage(Func<string, bool> nameMatches, bool includeCache, IOperationSink sink, CancellationToken cancellationToken)
    {
        paths.EnsureExists();
        var removed = new List<string>();
        var declined = new HashSet<string>(StringComparer.Ordinal);
        long bytes = 0;
        int layers = 0;
        bool progress = true;
        while (progress)
        {
            progress = false;
            foreach (string name in images.ImageNames().Where(nameMatches).ToList())
            {
                cancellationToken.ThrowIfCancellationRequested();
                using StoreLock imageLock = StoreLock.Acquire(paths.ImageLock(name), cancellationToken);
                foreach ((ImageInfo version, long size) in images.CollectGarbage(name, v => Offer(v.Reference, "Remove unused image version")))
                {
                    removed.Add(version.Reference);
                    bytes += size;
                    progress = true;
                    sink.Verbose($"Removed image version '{version.Reference}' ({size} bytes).");
                }
            }

            if (!includeCache)
            {
                continue;
            }

            // NOTE: a build running meanwhile may reuse a cached layer that nothing references
            // yet. Removing that layer makes the build's next step fail, and a rerun fixes it.
            foreach ((string key, long size) in cache.CollectGarbage((key, _) => Offer($"cached layer {key}", "Remove unused build cache layer")))
            {
                layers++;
                bytes += size;
                progress = true;
                sink.Verbose($"Removed cached layer '{key}' ({size} bytes).");
            }
        }

        return new CleanupResult(removed, layers, bytes);

        bool Offer(string target, string action) => !declined.Contains(target) && (sink.ShouldProcess(target, action) || !declined.Add(target));
    }
}
