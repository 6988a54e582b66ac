namespace CookieCutter.Engine.Store;

/// <summary>
/// One version of an image in the store.
/// </summary>
public sealed class ImageInfo
{
    internal ImageInfo(
        string name,
        string version,
        DateTime created,
        string parent,
        int layerCount,
        long size,
        bool isCurrent,
        string path,
        ImageConfig config)
    {
        Name = name;
        Version = version;
        Created = created;
        Parent = parent;
        LayerCount = layerCount;
        Size = size;
        IsCurrent = isCurrent;
        Path = path;
        Config = config;
    }

    /// <summary>Image name.</summary>
    public string Name { get; }

    /// <summary>Version name: a UTC timestamp and a random suffix, or empty for a legacy flat image.</summary>
    public string Version { get; }

    /// <summary>Creation time, in UTC.</summary>
    public DateTime Created { get; }

    /// <summary>Parent as <c>NAME@VERSION</c>, or <c>empty</c> for a base image.</summary>
    public string Parent { get; }

    /// <summary>Number of layers in the chain, counting this version's own and the empty base.</summary>
    public int LayerCount { get; }

    /// <summary>Bytes in this version's own layer and in the build cache layers its build made.</summary>
    public long Size { get; }

    /// <summary>Whether the image's <c>current</c> link points at this version.</summary>
    public bool IsCurrent { get; }

    /// <summary>Folder of this version in the store.</summary>
    public string Path { get; }

    /// <summary>Environment, working directory, user, command and labels stored with the version.</summary>
    public ImageConfig Config { get; }

    /// <summary>Reference in the <c>NAME@VERSION</c> form.</summary>
    public string Reference => Version.Length == 0 ? Name : $"{Name}@{Version}";

    /// <inheritdoc/>
    public override string ToString() => Reference;
}
