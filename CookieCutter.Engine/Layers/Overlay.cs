using CookieCutter.Engine.Host;

namespace CookieCutter.Engine.Layers;

/// <summary>
/// Mounting and unmounting the overlay that forms a container's root file system.
/// </summary>
public static class Overlay
{
    /// <summary>Maximum number of lower layers one overlay mount takes (the kernel's stack limit of 500).</summary>
    public const int MaxLayers = 500;

    /// <summary>
    /// Mounts an overlay of <paramref name="lowerDirs"/> (top layer first) under a writable
    /// upper dir on <paramref name="target"/>. Device files are disabled on it (<c>nodev</c>):
    /// containers get their own small <c>/dev</c>.
    /// </summary>
    public static void Mount(IReadOnlyList<string> lowerDirs, string upperDir, string workDir, string target)
    {
        if (lowerDirs.Count == 0)
        {
            throw new ArgumentException("An overlay needs at least one lower layer.", nameof(lowerDirs));
        }

        // mount(2) takes one page (4096 bytes) of options, about 40 layers at typical store paths.
        // Deeper chains go through the new mount API, one layer at a time, where the kernel has it.
        string options = $"lowerdir={string.Join(':', lowerDirs.Select(Escape))},upperdir={Escape(upperDir)},workdir={Escape(workDir)}";
        if (options.Length >= 4096)
        {
            if (lowerDirs.Count <= MaxLayers && LinuxCalls.MountOverlayByLayers(lowerDirs, upperDir, workDir, target))
            {
                return;
            }

            throw new CcException(
                "LayerChainTooLong",
                CcErrorKind.InvalidOperation,
                $"The image has {lowerDirs.Count} layers, too many for one overlay mount on this kernel at this store path. Rebuild it with fewer steps or use a shorter COOKIECUTTER_ROOT.",
                target);
        }

        LinuxCalls.Mount("overlay", target, "overlay", LinuxCalls.MsNodev, options);
    }

    /// <summary>Unmounts a target, detaching it lazily when a plain unmount finds it busy; returns false when it was not mounted.</summary>
    public static bool Unmount(string target)
    {
        if (!MountTable.IsMountPoint(target))
        {
            return false;
        }

        try
        {
            return LinuxCalls.Unmount(target, detach: false);
        }
        catch (CcException error) when (error.ErrorId == "MountBusy")
        {
            return LinuxCalls.Unmount(target, detach: true);
        }
    }

    /// <summary>Detaches any mount point, such as the /proc a bootstrapper left in its target.</summary>
    public static void UnmountAny(string target) => LinuxCalls.Unmount(target, detach: true);

    private static string Escape(string path) =>
        path.Replace("\\", "\\\\", StringComparison.Ordinal)
            .Replace(":", "\\:", StringComparison.Ordinal)
            .Replace(",", "\\,", StringComparison.Ordinal);
}
