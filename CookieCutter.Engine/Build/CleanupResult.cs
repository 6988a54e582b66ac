namespace CookieCutter.Engine.Build;

/// <summary>
/// What a clean-up or image removal deleted.
/// </summary>
public sealed class CleanupResult
{
    internal CleanupResult(IReadOnlyList<string> removedVersions, int removedLayers, long bytesFreed)
    {
        RemovedVersions = removedVersions;
        RemovedLayers = removedLayers;
        BytesFreed = bytesFreed;
    }

    /// <summary>Image versions deleted, as <c>NAME@VERSION</c>.</summary>
    public IReadOnlyList<string> RemovedVersions { get; }

    /// <summary>Number of cached build layers deleted.</summary>
    public int RemovedLayers { get; }

    /// <summary>Bytes freed in deleted layers.</summary>
    public long BytesFreed { get; }
}
