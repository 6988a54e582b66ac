namespace CookieCutter.Engine.Build;

/// <summary>
/// Resolution of a path inside a container's root from the host, with the meaning the path
/// has inside the container: an absolute symbolic link target starts at the container root
/// and <c>..</c> stops at it. Writing through the result never touches host files outside
/// the root, however the image's links are set up.
/// </summary>
internal static class RootedPath
{
    private const int MaxLinkHops = 40;

    /// <summary>
    /// Returns the host path of an absolute container path, following every symbolic link,
    /// including a final one. Missing segments are appended as they are.
    /// </summary>
    public static string Resolve(string root, string containerPath)
    {
        string current = root;
        var pending = new LinkedList<string>(Segments(containerPath));
        int hops = 0;
        while (pending.First is { } first)
        {
            string segment = first.Value;
            pending.RemoveFirst();
            if (segment == "..")
            {
                current = current == root ? root : System.IO.Path.GetDirectoryName(current)!;
                continue;
            }

            string next = current + "/" + segment;
            FileStatus? status = FileStatus.TryRead(next);
            if (status is not { Kind: FileKind.SymbolicLink })
            {
                current = next;
                if (status is null || status.Value.Kind != FileKind.Directory)
                {
                    return string.Join('/', new[] { current }.Concat(pending));
                }

                continue;
            }

            if (++hops > MaxLinkHops)
            {
                throw new CcException(
                    "SymbolicLinkLoop",
                    CcErrorKind.InvalidArgument,
                    $"Resolving '{containerPath}' in the container follows more than {MaxLinkHops} symbolic links.",
                    containerPath);
            }

            string target = new FileInfo(next).LinkTarget ?? string.Empty;
            if (target.StartsWith('/'))
            {
                current = root;
            }

            foreach (string part in Segments(target).Reverse())
            {
                pending.AddFirst(part);
            }
        }

        return current;
    }

    /// <summary>
    /// Returns the host path of a container path after resolving its parent folders and
    /// creating missing ones (mode 755, owned by root). The last segment is not followed, so a
    /// link there can be replaced.
    /// </summary>
    public static string PrepareParent(string root, string containerPath)
    {
        string parent = System.IO.Path.GetDirectoryName(Normalize(containerPath)) ?? "/";
        string parentHost = CreateDirectories(root, parent);
        string name = System.IO.Path.GetFileName(Normalize(containerPath));
        return name.Length == 0 ? parentHost : parentHost + "/" + name;
    }

    /// <summary>Creates a container folder and its missing parents; returns its host path.</summary>
    public static string CreateDirectories(string root, string containerPath)
    {
        string current = "/";
        foreach (string segment in Segments(containerPath))
        {
            current = current == "/" ? "/" + segment : current + "/" + segment;
            string host = Resolve(root, current);
            FileStatus? status = FileStatus.TryRead(host);
            if (status is null)
            {
                Directory.CreateDirectory(host, (UnixFileMode)0b111_101_101);
            }
            else if (status.Value.Kind != FileKind.Directory)
            {
                throw new CcException(
                    "NotADirectory",
                    CcErrorKind.InvalidOperation,
                    $"Cannot create the folder '{containerPath}' in the container: '{current}' exists and is not a folder.",
                    containerPath);
            }
        }

        return Resolve(root, containerPath);
    }

    /// <summary>Returns a clean absolute container path.</summary>
    public static string Normalize(string containerPath)
    {
        string cleaned = IgnoreMatcher.CleanPath("/" + containerPath);
        return cleaned;
    }

    private static IEnumerable<string> Segments(string path) =>
        path.Split('/').Where(s => s.Length > 0 && s != ".");
}
