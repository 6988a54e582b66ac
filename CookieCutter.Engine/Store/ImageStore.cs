using System.Globalization;
using System.Security.Cryptography;
using CookieCutter.Engine.Host;

namespace CookieCutter.Engine.Store;

/// <summary>
/// Images and their versions in the classic layout: <c>images/NAME/versions/VERSION/</c> with
/// <c>diff/</c>, <c>from</c>, <c>self</c> and <c>references/</c>, and <c>images/NAME/current</c>
/// as a symbolic link to the current version. The legacy flat layout
/// (<c>images/NAME/diff</c> and <c>images/NAME/from</c>) is read as a version with an empty name.
/// </summary>
public sealed class ImageStore
{
    /// <summary>Prefix of a version folder still being written; classic tools skip dot folders.</summary>
    internal const string PartialPrefix = ".partial-";

    private const string VersionTimeFormat = "yyyy-MM-dd_HH-mm-ss";

    /// <summary>Creates an image store over the given paths.</summary>
    public ImageStore(StorePaths paths)
    {
        Paths = paths;
    }

    /// <summary>Store paths.</summary>
    public StorePaths Paths { get; }

    /// <summary>Returns the names of all images except <c>empty</c> and hidden ones.</summary>
    public IEnumerable<string> ImageNames()
    {
        if (!Directory.Exists(Paths.Images))
        {
            return [];
        }

        return Directory.EnumerateDirectories(Paths.Images)
            .Select(System.IO.Path.GetFileName)
            .OfType<string>()
            .Where(name => name != StorePaths.EmptyImage && Names.IsValid(name))
            .Order(StringComparer.Ordinal);
    }

    /// <summary>Lists images whose name matches a predicate, with their current version or all versions.</summary>
    public IReadOnlyList<ImageInfo> List(Func<string, bool> nameMatches, bool allVersions)
    {
        var images = new List<ImageInfo>();
        foreach (string name in ImageNames().Where(nameMatches))
        {
            if (allVersions)
            {
                images.AddRange(Versions(name));
            }
            else if (TryGetCurrent(name) is { } current)
            {
                images.Add(current);
            }
        }

        return images;
    }

    /// <summary>Returns every complete version of an image, oldest first.</summary>
    public IReadOnlyList<ImageInfo> Versions(string name)
    {
        string imagePath = Paths.Image(name);
        string? current = CurrentVersionName(name);
        var versions = new List<ImageInfo>();
        string versionsPath = System.IO.Path.Combine(imagePath, "versions");
        if (Directory.Exists(versionsPath))
        {
            foreach (string path in Directory.EnumerateDirectories(versionsPath).Order(StringComparer.Ordinal))
            {
                string version = System.IO.Path.GetFileName(path);
                if (Names.IsValid(version) && Directory.Exists(System.IO.Path.Combine(path, "diff")))
                {
                    versions.Add(Describe(name, version, path, version == current));
                }
            }
        }
        else if (Directory.Exists(System.IO.Path.Combine(imagePath, "diff")))
        {
            versions.Add(Describe(name, string.Empty, imagePath, isCurrent: true));
        }

        return versions;
    }

    /// <summary>Returns the current version of an image, or null when the image does not exist.</summary>
    public ImageInfo? TryGetCurrent(string name)
    {
        string imagePath = Paths.Image(name);
        string? current = CurrentVersionName(name);
        if (current is not null)
        {
            string path = System.IO.Path.Combine(imagePath, "versions", current);
            return Directory.Exists(path) ? Describe(name, current, path, isCurrent: true) : null;
        }

        return Directory.Exists(System.IO.Path.Combine(imagePath, "diff")) && !Directory.Exists(System.IO.Path.Combine(imagePath, "versions"))
            ? Describe(name, string.Empty, imagePath, isCurrent: true)
            : null;
    }

    /// <summary>Resolves <c>NAME</c> or <c>NAME@VERSION</c>, or throws <c>ImageNotFound</c>.</summary>
    public ImageInfo Resolve(ImageReference reference)
    {
        ImageInfo? image = reference.Version is null
            ? TryGetCurrent(reference.Name)
            : Versions(reference.Name).FirstOrDefault(v => v.Version == reference.Version);
        return image ?? throw new CcException(
            "ImageNotFound",
            CcErrorKind.NotFound,
            $"Image '{reference}' was not found. Run Get-CcImage to list images, or build it with New-CcImage or New-CcBaseImage.",
            reference.ToString());
    }

    /// <summary>
    /// Returns the layer folders of a version, top first, ending with the <c>empty</c> layer,
    /// by following the <c>from</c> files.
    /// </summary>
    public IReadOnlyList<string> LayerChain(string versionPath)
    {
        var layers = new List<string>();
        string? path = versionPath;
        while (path is not null)
        {
            if (layers.Count > 500)
            {
                throw new CcException(
                    "LayerChainTooLong",
                    CcErrorKind.InvalidOperation,
                    $"The layer chain of '{versionPath}' has more than 500 layers or loops back on itself.",
                    versionPath);
            }

            layers.Add(System.IO.Path.Combine(path, "diff"));
            path = ParentPath(path);
        }

        if (!layers.Contains(Paths.EmptyDiff, StringComparer.Ordinal))
        {
            layers.Add(Paths.EmptyDiff);
        }

        return layers;
    }

    /// <summary>
    /// Returns the folder named by a version's <c>from</c> file, or null at the <c>empty</c> base.
    /// The file contains <c>empty</c>, <c>NAME/versions/VERSION</c> or, in the legacy layout, a bare image name.
    /// </summary>
    public string? ParentPath(string versionPath)
    {
        string fromFile = System.IO.Path.Combine(versionPath, "from");
        if (!File.Exists(fromFile))
        {
            return null;
        }

        string from = File.ReadAllText(fromFile).Trim();
        if (from.Length == 0 || from == StorePaths.EmptyImage)
        {
            return null;
        }

        string full = System.IO.Path.GetFullPath(System.IO.Path.Combine(Paths.Images, from));
        if (!full.StartsWith(Paths.Images + "/", StringComparison.Ordinal))
        {
            throw new CcException(
                "InvalidStoreEntry",
                CcErrorKind.InvalidOperation,
                $"The parent '{from}' named in '{fromFile}' lies outside the store.",
                fromFile);
        }

        if (!from.Contains('/', StringComparison.Ordinal))
        {
            return TryGetCurrent(from)?.Path ?? throw new CcException(
                "ImageNotFound",
                CcErrorKind.NotFound,
                $"Image '{from}', the parent named in '{fromFile}', was not found.",
                from);
        }

        return full;
    }

    /// <summary>Returns a version folder's path relative to <c>images/</c>, the form <c>from</c> and <c>self</c> files use.</summary>
    public string RelativeName(string versionPath) => System.IO.Path.GetRelativePath(Paths.Images, versionPath);

    /// <summary>Returns a new version name: the UTC time with nanoseconds, a dot and six random letters or digits.</summary>
    public static string NewVersionName()
    {
        DateTime now = DateTime.UtcNow;
        long nanoseconds = (now.Ticks % TimeSpan.TicksPerSecond) * 100;
        string suffix = RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 6);
        return $"{now.ToString(VersionTimeFormat, CultureInfo.InvariantCulture)}_{nanoseconds:D9}.{suffix}";
    }

    /// <summary>
    /// Creates a new version of an image from a finished layer folder, which is moved (not
    /// copied) into the store, and points <c>current</c> at it atomically. The caller holds the
    /// image's name lock. The version is written under a dot name first, so a crash leaves
    /// only a folder that classic tools and listings ignore.
    /// </summary>
    /// <param name="name">Image name.</param>
    /// <param name="layerPath">Folder holding the new layer's files; it must be on the store's file system.</param>
    /// <param name="parentPath">Version folder of the parent, or null for a base image on <c>empty</c>.</param>
    /// <param name="config">Settings stored with the version.</param>
    public ImageInfo Commit(string name, string layerPath, string? parentPath, ImageConfig config)
    {
        Names.ValidateWritableImage(name);
        string version = NewVersionName();
        string versionsPath = System.IO.Path.Combine(Paths.Image(name), "versions");
        string partial = System.IO.Path.Combine(versionsPath, PartialPrefix + version);
        string final = System.IO.Path.Combine(versionsPath, version);
        Directory.CreateDirectory(partial);
        try
        {
            Directory.Move(layerPath, System.IO.Path.Combine(partial, "diff"));
            File.WriteAllText(System.IO.Path.Combine(partial, "from"), (parentPath is null ? StorePaths.EmptyImage : RelativeName(parentPath)) + "\n");
            File.WriteAllText(System.IO.Path.Combine(partial, "self"), RelativeName(final) + "\n");
            Directory.CreateDirectory(System.IO.Path.Combine(partial, "references", "containers"));
            Directory.CreateDirectory(System.IO.Path.Combine(partial, "references", "images"));
            config.Save(partial);
            File.WriteAllText(System.IO.Path.Combine(partial, "size"), FileTree.Size(System.IO.Path.Combine(partial, "diff")).ToString(CultureInfo.InvariantCulture) + "\n");
            Directory.Move(partial, final);
        }
        catch
        {
            if (Directory.Exists(System.IO.Path.Combine(partial, "diff")) && !Directory.Exists(layerPath))
            {
                Directory.Move(System.IO.Path.Combine(partial, "diff"), layerPath);
            }

            FileTree.Delete(partial);
            throw;
        }

        if (parentPath is not null)
        {
            AddReference(parentPath, "images", $"{name}@{version}", System.IO.Path.Combine(final, "self"));
        }

        SetCurrent(name, version);
        return Describe(name, version, final, isCurrent: true);
    }

    /// <summary>Points an image's <c>current</c> link at a version by renaming a new link over the old one.</summary>
    public void SetCurrent(string name, string version)
    {
        string imagePath = Paths.Image(name);
        string temporary = System.IO.Path.Combine(imagePath, ".current-" + Guid.NewGuid().ToString("N"));
        File.CreateSymbolicLink(temporary, System.IO.Path.Combine("versions", Names.Validate(version, "version")));
        LinuxCalls.Rename(temporary, System.IO.Path.Combine(imagePath, "current"));
    }

    /// <summary>Records a referrer of a version as a hard link of the referrer's <c>self</c> file.</summary>
    public static void AddReference(string versionPath, string kind, string referrer, string selfFile)
    {
        string folder = System.IO.Path.Combine(versionPath, "references", kind);
        Directory.CreateDirectory(folder);
        string link = System.IO.Path.Combine(folder, referrer);
        if (File.Exists(link))
        {
            File.Delete(link);
        }

        LinuxCalls.HardLink(selfFile, link);
    }

    /// <summary>Returns the live referrers of a version; a reference whose link count fell to one is stale.</summary>
    public static IReadOnlyList<string> LiveReferences(string versionPath)
    {
        var live = new List<string>();
        foreach (string kind in new[] { "containers", "images" })
        {
            string folder = System.IO.Path.Combine(versionPath, "references", kind);
            if (!Directory.Exists(folder))
            {
                continue;
            }

            foreach (string link in Directory.EnumerateFiles(folder))
            {
                if (LinuxCalls.LinkCount(link) > 1)
                {
                    live.Add($"{kind}/{System.IO.Path.GetFileName(link)}");
                }
            }
        }

        return live;
    }

    /// <summary>Deletes the stale references of a version and returns how many there were.</summary>
    public static int DropStaleReferences(string versionPath)
    {
        int dropped = 0;
        foreach (string kind in new[] { "containers", "images" })
        {
            string folder = System.IO.Path.Combine(versionPath, "references", kind);
            if (!Directory.Exists(folder))
            {
                continue;
            }

            foreach (string link in Directory.EnumerateFiles(folder))
            {
                if (LinuxCalls.LinkCount(link) <= 1)
                {
                    File.Delete(link);
                    dropped++;
                }
            }
        }

        return dropped;
    }

    /// <summary>
    /// Removes the versions of an image that are not current and have no live reference, as the
    /// classic <c>cc-gc</c> does; <paramref name="shouldRemove"/> may veto each one.
    /// Returns the removed versions with the bytes each freed.
    /// </summary>
    public IReadOnlyList<(ImageInfo Version, long Bytes)> CollectGarbage(string name, Func<ImageInfo, bool> shouldRemove)
    {
        var removed = new List<(ImageInfo, long)>();
        foreach (ImageInfo version in Versions(name))
        {
            if (version.IsCurrent || version.Version.Length == 0)
            {
                continue;
            }

            DropStaleReferences(version.Path);
            if (LiveReferences(version.Path).Count > 0 || !shouldRemove(version))
            {
                continue;
            }

            long bytes = version.Size;
            RemoveVersionFolder(version.Path);
            removed.Add((version, bytes));
        }

        return removed;
    }

    /// <summary>Deletes a version folder; its <c>self</c> goes with it, so references to it in its parent become stale.</summary>
    public static void RemoveVersionFolder(string versionPath) => FileTree.Delete(versionPath);

    /// <summary>Returns the versions of every image whose parent is the given version folder.</summary>
    public IEnumerable<ImageInfo> Children(string versionPath)
    {
        foreach (string name in ImageNames())
        {
            foreach (ImageInfo version in Versions(name))
            {
                if (ParentPath(version.Path) == versionPath)
                {
                    yield return version;
                }
            }
        }
    }

    private ImageInfo Describe(string name, string version, string path, bool isCurrent)
    {
        string? parentPath = null;
        int layers;
        try
        {
            parentPath = ParentPath(path);
            layers = LayerChain(path).Count;
        }
        catch (CcException)
        {
            layers = 0;
        }

        return new ImageInfo(
            name,
            version,
            CreationTime(version, path),
            parentPath is null ? StorePaths.EmptyImage : ParentReference(parentPath),
            layers,
            ReadSize(path) + BuildLayerSize(parentPath),
            isCurrent,
            path,
            ImageConfig.Load(path));
    }

    /// <summary>Returns the bytes of the build cache layers between a version and its visible parent, which belong to that version's build.</summary>
    private long BuildLayerSize(string? parentPath)
    {
        long total = 0;
        try
        {
            while (parentPath is not null && RelativeName(parentPath).StartsWith(".cache/", StringComparison.Ordinal))
            {
                total += ReadSize(parentPath);
                parentPath = ParentPath(parentPath);
            }
        }
        catch (CcException)
        {
        }

        return total;
    }

    private string ParentReference(string parentPath)
    {
        // Build cache layers are versions of the hidden image ".cache"; the parent users care
        // about is the first ordinary image version below them.
        string? visible = parentPath;
        while (visible is not null && RelativeName(visible).StartsWith(".cache/", StringComparison.Ordinal))
        {
            visible = ParentPath(visible);
        }

        if (visible is null)
        {
            return StorePaths.EmptyImage;
        }

        string relative = RelativeName(visible);
        string[] parts = relative.Split('/');
        return parts.Length == 3 && parts[1] == "versions" ? $"{parts[0]}@{parts[2]}" : relative;
    }

    private string? CurrentVersionName(string name)
    {
        var link = new FileInfo(System.IO.Path.Combine(Paths.Image(name), "current"));
        string? target = link.LinkTarget;
        return target is null ? null : System.IO.Path.GetFileName(System.IO.Path.TrimEndingDirectorySeparator(target));
    }

    private static DateTime CreationTime(string version, string path)
    {
        if (version.Length >= VersionTimeFormat.Length &&
            DateTime.TryParseExact(
                version[..VersionTimeFormat.Length],
                VersionTimeFormat,
                CultureInfo.InvariantCulture,
                DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal,
                out DateTime created))
        {
            return created;
        }

        return Directory.GetCreationTimeUtc(path);
    }

    /// <summary>Returns the bytes of a version's own layer, from its <c>size</c> file when it has one.</summary>
    internal static long ReadSize(string versionPath)
    {
        string sizeFile = System.IO.Path.Combine(versionPath, "size");
        if (File.Exists(sizeFile) && long.TryParse(File.ReadAllText(sizeFile).Trim(), CultureInfo.InvariantCulture, out long size))
        {
            return size;
        }

        // A version written by the classic tools has no size file. Versions never change, so the
        // size measured once is kept for the next call; a read-only store just measures again.
        long measured = FileTree.Size(System.IO.Path.Combine(versionPath, "diff"));
        try
        {
            File.WriteAllText(sizeFile, measured.ToString(CultureInfo.InvariantCulture) + "\n");
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
        }

        return measured;
    }
}
