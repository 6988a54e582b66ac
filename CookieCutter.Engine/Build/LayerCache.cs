using System.Globalization;
using CookieCutter.Engine.Store;

namespace CookieCutter.Engine.Build;

/// <summary>
/// The build step cache: one layer per step key, stored as a version of the hidden image
/// <c>images/.cache</c> (<c>versions/KEY/</c> with <c>diff/</c>, <c>from</c>, <c>self</c> and
/// <c>references/</c>), so that the classic tools follow <c>from</c> files through cached
/// layers as through any image version. Each layer's parent records it as a reference, and
/// image versions built on a layer do the same, so a layer is in use while anything built on
/// it exists.
/// </summary>
public sealed class LayerCache
{
    /// <summary>Folder name of the hidden cache image; the dot keeps it out of image listings.</summary>
    public const string FolderName = ".cache";

    private readonly ImageStore images;

    /// <summary>Creates the cache of a store.</summary>
    public LayerCache(ImageStore images)
    {
        this.images = images;
    }

    /// <summary>Folder of the cache's versions.</summary>
    public string VersionsPath => System.IO.Path.Combine(images.Paths.Images, FolderName, "versions");

    /// <summary>Returns the folder of a cached layer, or null when the key has none.</summary>
    public string? TryGet(string key)
    {
        string path = System.IO.Path.Combine(VersionsPath, key);
        return Directory.Exists(System.IO.Path.Combine(path, "diff")) ? path : null;
    }

    /// <summary>
    /// Moves a finished layer folder into the cache under its key (a step key, or for a build
    /// with <c>-NoCache</c> a step key with a random suffix that no lookup finds), on top of
    /// <paramref name="parentPath"/>, and returns the cached layer's folder. When another build
    /// stored the same key first, its layer is kept and <paramref name="layerPath"/> deleted.
    /// </summary>
    public string Store(string key, string layerPath, string parentPath)
    {
        Directory.CreateDirectory(VersionsPath);
        string final = System.IO.Path.Combine(VersionsPath, key);
        string partial = System.IO.Path.Combine(VersionsPath, ".partial-" + key + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(partial);
        try
        {
            Directory.Move(layerPath, System.IO.Path.Combine(partial, "diff"));
            File.WriteAllText(System.IO.Path.Combine(partial, "from"), images.RelativeName(parentPath) + "\n");
            File.WriteAllText(System.IO.Path.Combine(partial, "self"), images.RelativeName(final) + "\n");
            Directory.CreateDirectory(System.IO.Path.Combine(partial, "references", "containers"));
            Directory.CreateDirectory(System.IO.Path.Combine(partial, "references", "images"));
            long size = FileTree.Size(System.IO.Path.Combine(partial, "diff"));
            File.WriteAllText(System.IO.Path.Combine(partial, "size"), size.ToString(CultureInfo.InvariantCulture) + "\n");
            if (TryGet(key) is not null)
            {
                FileTree.Delete(partial);
                return final;
            }

            Directory.Move(partial, final);
        }
        catch
        {
            FileTree.Delete(partial);
            throw;
        }

        ImageStore.AddReference(parentPath, "images", $"{FolderName}@{key}", System.IO.Path.Combine(final, "self"));
        return final;
    }

    /// <summary>
    /// Removes cached layers that nothing references any more, repeating until none is left,
    /// because removing a layer makes its parent's reference to it stale. Returns the key and
    /// bytes of each removed layer. <paramref name="shouldRemove"/> may veto a layer; a vetoed
    /// layer keeps its parent in use.
    /// </summary>
    public IReadOnlyList<(string Key, long Bytes)> CollectGarbage(Func<string, long, bool> shouldRemove)
    {
        var removed = new List<(string, long)>();
        var vetoed = new HashSet<string>(StringComparer.Ordinal);
        bool progress = true;
        while (progress && Directory.Exists(VersionsPath))
        {
            progress = false;
            foreach (string path in Directory.EnumerateDirectories(VersionsPath).Order(StringComparer.Ordinal).ToList())
            {
                string key = System.IO.Path.GetFileName(path);
                if (key.StartsWith('.'))
                {
                    if (Directory.GetLastWriteTimeUtc(path) < DateTime.UtcNow.AddHours(-1))
                    {
                        FileTree.Delete(path);
                    }

                    continue;
                }

                if (vetoed.Contains(key))
                {
                    continue;
                }

                ImageStore.DropStaleReferences(path);
                if (ImageStore.LiveReferences(path).Count > 0)
                {
                    continue;
                }

                long bytes = ReadSize(path);
                if (!shouldRemove(key, bytes))
                {
                    vetoed.Add(key);
                    continue;
                }

                FileTree.Delete(path);
                removed.Add((key, bytes));
                progress = true;
            }
        }

        return removed;
    }

    /// <summary>Returns the keys of all cached layers.</summary>
    public IReadOnlyList<string> Keys() =>
        Directory.Exists(VersionsPath)
            ? Directory.EnumerateDirectories(VersionsPath)
                .Select(System.IO.Path.GetFileName)
                .OfType<string>()
                .Where(k => !k.StartsWith('.'))
                .Order(StringComparer.Ordinal)
                .ToList()
            : [];

    private static long ReadSize(string path)
    {
        string file = System.IO.Path.Combine(path, "size");
        return File.Exists(file) && long.TryParse(File.ReadAllText(file).Trim(), CultureInfo.InvariantCulture, out long size)
            ? size
            : FileTree.Size(System.IO.Path.Combine(path, "diff"));
    }
}
