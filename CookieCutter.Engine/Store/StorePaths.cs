namespace CookieCutter.Engine.Store;

/// <summary>
/// Paths of the on-disk store, in the layout the classic shell tools use, plus the
/// <c>locks/</c> and <c>cache/</c> folders that the classic tools ignore.
/// </summary>
public sealed class StorePaths
{
    /// <summary>Default store root when <c>COOKIECUTTER_ROOT</c> is not set.</summary>
    public const string DefaultRoot = "/var/cookie-cutter";

    /// <summary>Name of the degenerate base image that every layer chain ends in.</summary>
    public const string EmptyImage = "empty";

    /// <summary>Creates the paths for a store rooted at <paramref name="root"/>.</summary>
    public StorePaths(string root)
    {
        Root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
    }

    /// <summary>Store root.</summary>
    public string Root { get; }

    /// <summary>Folder of all images.</summary>
    public string Images => Path.Combine(Root, "images");

    /// <summary>Folder of all containers.</summary>
    public string Containers => Path.Combine(Root, "containers");

    /// <summary>Folder of lock files, one per image or container name.</summary>
    public string Locks => Path.Combine(Root, "locks");

    /// <summary>Folder of build step cache entries.</summary>
    public string Cache => Path.Combine(Root, "cache");

    /// <summary>Layer of the <c>empty</c> image.</summary>
    public string EmptyDiff => Path.Combine(Images, EmptyImage, "diff");

    /// <summary>Returns the store root from <c>COOKIECUTTER_ROOT</c>, or the default.</summary>
    public static StorePaths FromEnvironment()
    {
        string? root = Environment.GetEnvironmentVariable("COOKIECUTTER_ROOT");
        return new StorePaths(string.IsNullOrWhiteSpace(root) ? DefaultRoot : root);
    }

    /// <summary>Folder of one image.</summary>
    public string Image(string name) => Path.Combine(Images, Names.Validate(name, "image"));

    /// <summary>Folder of one image version.</summary>
    public string ImageVersion(string name, string version) =>
        Path.Combine(Image(name), "versions", Names.Validate(version, "version"));

    /// <summary>Folder of one container.</summary>
    public string Container(string name) => Path.Combine(Containers, Names.Validate(name, "container"));

    /// <summary>Lock file that serialises commands on one container name.</summary>
    public string ContainerLock(string name) => Path.Combine(Locks, "container." + Names.Validate(name, "container"));

    /// <summary>Lock file that serialises commands on one image name.</summary>
    public string ImageLock(string name) => Path.Combine(Locks, "image." + Names.Validate(name, "image"));

    /// <summary>Returns whether the store has been set up.</summary>
    public bool Exists => Directory.Exists(Images) && Directory.Exists(Containers);

    /// <summary>Throws <c>StoreNotInitialized</c> unless the store has been set up.</summary>
    public void EnsureExists()
    {
        if (!Exists || !Directory.Exists(EmptyDiff))
        {
            throw new CcException(
                "StoreNotInitialized",
                CcErrorKind.InvalidOperation,
                $"The store at '{Root}' is not set up. Run Initialize-CcHost (cc-setup) first.",
                Root);
        }
    }
}
