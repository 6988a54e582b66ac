using CookieCutter.Engine.Build;
using CookieCutter.Engine.Store;
using Xunit;

namespace CookieCutter.Engine.Tests;

public sealed class BuildLayerCacheTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("cc-cache-test-").FullName;
    private readonly ImageStore images;
    private readonly LayerCache cache;
    private readonly string baseVersion;

    public BuildLayerCacheTests()
    {
        var paths = new StorePaths(root);
        images = new ImageStore(paths);
        cache = new LayerCache(images);
        baseVersion = Path.Combine(paths.Images, "base", "versions", "v1");
        Directory.CreateDirectory(Path.Combine(baseVersion, "diff"));
        Directory.CreateDirectory(paths.EmptyDiff);
        File.WriteAllText(Path.Combine(baseVersion, "from"), "empty\n");
        File.WriteAllText(Path.Combine(baseVersion, "self"), "base/versions/v1\n");
    }

    public void Dispose() => Directory.Delete(root, recursive: true);

    private string NewLayer(string file)
    {
        string layer = Path.Combine(root, "layer-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(layer);
        File.WriteAllText(Path.Combine(layer, file), file);
        return layer;
    }

    [Fact]
    public void StoreWritesClassicLayout()
    {
        string stored = cache.Store("key1", NewLayer("a"), baseVersion);

        Assert.Equal(stored, cache.TryGet("key1"));
        Assert.Equal("base/versions/v1", File.ReadAllText(Path.Combine(stored, "from")).Trim());
        Assert.Equal(".cache/versions/key1", File.ReadAllText(Path.Combine(stored, "self")).Trim());
        Assert.True(File.Exists(Path.Combine(stored, "diff", "a")));
        Assert.Equal(["images/.cache@key1"], ImageStore.LiveReferences(baseVersion));
    }

    [Fact]
    public void ChainFollowsFromFiles()
    {
        string first = cache.Store("key1", NewLayer("a"), baseVersion);
        string second = cache.Store("key2", NewLayer("b"), first);

        IReadOnlyList<string> chain = images.LayerChain(second);

        Assert.Equal(
            [Path.Combine(second, "diff"), Path.Combine(first, "diff"), Path.Combine(baseVersion, "diff"), images.Paths.EmptyDiff],
            chain);
    }

    [Fact]
    public void StoreOfExistingKeyKeepsFirst()
    {
        string first = cache.Store("key1", NewLayer("a"), baseVersion);
        string again = cache.Store("key1", NewLayer("b"), baseVersion);

        Assert.Equal(first, again);
        Assert.True(File.Exists(Path.Combine(first, "diff", "a")));
        Assert.False(File.Exists(Path.Combine(first, "diff", "b")));
    }

    [Fact]
    public void GarbageCollectionRemovesUnusedChain()
    {
        string first = cache.Store("key1", NewLayer("a"), baseVersion);
        cache.Store("key2", NewLayer("b"), first);

        var removed = cache.CollectGarbage((_, _) => true);

        Assert.Equal(["key1", "key2"], removed.Select(r => r.Key).Order(StringComparer.Ordinal));
        Assert.Empty(cache.Keys());
        Assert.Empty(ImageStore.LiveReferences(baseVersion));
    }

    [Fact]
    public void GarbageCollectionKeepsUsedLayers()
    {
        string first = cache.Store("key1", NewLayer("a"), baseVersion);
        string second = cache.Store("key2", NewLayer("b"), first);
        string user = Path.Combine(root, "user-self");
        File.WriteAllText(user, "user\n");
        ImageStore.AddReference(second, "images", "app@v1", user);

        var removed = cache.CollectGarbage((_, _) => true);

        Assert.Empty(removed);
        Assert.Equal(["key1", "key2"], cache.Keys());
    }

    [Fact]
    public void GarbageCollectionHonoursVeto()
    {
        string first = cache.Store("key1", NewLayer("a"), baseVersion);
        cache.Store("key2", NewLayer("b"), first);

        var removed = cache.CollectGarbage((key, _) => key != "key2");

        Assert.Empty(removed);
        Assert.Equal(["key1", "key2"], cache.Keys());
    }
}
