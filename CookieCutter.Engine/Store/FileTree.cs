using CookieCutter.Engine.Host;
using CookieCutter.Engine.Layers;

namespace CookieCutter.Engine.Store;

/// <summary>
/// Measuring and deleting folders of the store without crossing into another file system.
/// </summary>
public static class FileTree
{
    /// <summary>Returns the bytes in the files below a folder, counting each hard-linked file once per link.</summary>
    public static long Size(string path)
    {
        if (!Directory.Exists(path))
        {
            return 0;
        }

        long total = 0;
        // Symbolic links are skipped, so the walk never follows a link to a folder such as
        // dev/fd, which points at /proc/self/fd on the host.
        var options = new EnumerationOptions
        {
            RecurseSubdirectories = true,
            AttributesToSkip = FileAttributes.ReparsePoint,
            IgnoreInaccessible = true,
            ReturnSpecialDirectories = false,
        };
        foreach (var entry in new DirectoryInfo(path).EnumerateFileSystemInfos("*", options))
        {
            if (entry is FileInfo file && file.LinkTarget is null)
            {
                total += file.Length;
            }
        }

        return total;
    }

    /// <summary>
    /// Deletes a folder and everything below it. Refuses, before deleting anything, when a mount
    /// point lies below it, and never follows a symbolic link or enters another file system.
    /// </summary>
    public static void Delete(string path)
    {
        if (!Directory.Exists(path) && !File.Exists(path))
        {
            return;
        }

        string? mounted = MountTable.Read().FirstOrDefault(m => MountTable.IsBelow(m, path));
        if (mounted is not null)
        {
            throw new CcException(
                "MountedBelow",
                CcErrorKind.InvalidOperation,
                $"Cannot delete '{path}': '{mounted}' is still mounted below it. Stop or dismount the container first, or run Repair-CcStore.",
                path);
        }

        ulong device = LinuxCalls.DeviceOf(path);
        DeleteTree(new DirectoryInfo(path), device);
    }

    private static void DeleteTree(DirectoryInfo directory, ulong device)
    {
        foreach (var entry in directory.EnumerateFileSystemInfos("*", new EnumerationOptions { AttributesToSkip = 0 }))
        {
            if (entry is DirectoryInfo child && child.LinkTarget is null)
            {
                if (LinuxCalls.DeviceOf(child.FullName) != device)
                {
                    throw new CcException(
                        "OtherFileSystemBelow",
                        CcErrorKind.InvalidOperation,
                        $"Cannot delete '{child.FullName}': it is on another file system. Unmount it first.",
                        child.FullName);
                }

                DeleteTree(child, device);
            }
            else
            {
                entry.Delete();
            }
        }

        directory.Delete();
    }
}
