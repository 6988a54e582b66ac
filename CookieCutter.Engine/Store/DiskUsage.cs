namespace CookieCutter.Engine.Store;

/// <summary>Kind of store entry measured by <see cref="DiskUsage"/>.</summary>
public enum DiskUsageKind
{
    /// <summary>An image version's own layer.</summary>
    Image,

    /// <summary>A container's writable layer.</summary>
    Container,

    /// <summary>A build cache layer.</summary>
    Cache,
}

/// <summary>
/// Bytes used by one image version, container or cache layer.
/// </summary>
/// <param name="Kind">What the entry is.</param>
/// <param name="Name">Image or container name.</param>
/// <param name="Version">Image version, or empty for containers.</param>
/// <param name="Size">Bytes in its own layer.</param>
/// <param name="Path">Folder in the store.</param>
public sealed record DiskUsageEntry(DiskUsageKind Kind, string Name, string Version, long Size, string Path);

/// <summary>
/// Disk use per container and per image version, as the classic <c>cc-df</c> reports it.
/// </summary>
public static class DiskUsage
{
    /// <summary>Measures every image version, build cache layer and container in the store.</summary>
    public static IReadOnlyList<DiskUsageEntry> Measure(StorePaths paths)
    {
        var images = new ImageStore(paths);
        var containers = new ContainerStore(paths, images);
        var entries = new List<DiskUsageEntry>();
        foreach (string name in images.ImageNames())
        {
            // An image's Size also counts the build cache layers, which are listed on their own here.
            entries.AddRange(images.Versions(name).Select(v => new DiskUsageEntry(DiskUsageKind.Image, v.Name, v.Version, ImageStore.ReadSize(v.Path), v.Path)));
        }

        string cache = System.IO.Path.Combine(paths.Images, ".cache", "versions");
        if (Directory.Exists(cache))
        {
            foreach (string layer in Directory.EnumerateDirectories(cache).Order(StringComparer.Ordinal))
            {
                string key = System.IO.Path.GetFileName(layer);
                entries.Add(new DiskUsageEntry(DiskUsageKind.Cache, ".cache", key, FileTree.Size(System.IO.Path.Combine(layer, "diff")), layer));
            }
        }

        foreach (string name in containers.ContainerNames())
        {
            string path = paths.Container(name);
            entries.Add(new DiskUsageEntry(DiskUsageKind.Container, name, string.Empty, FileTree.Size(System.IO.Path.Combine(path, "diff")), path));
        }

        return entries;
    }
}
