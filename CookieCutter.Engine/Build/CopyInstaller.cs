namespace CookieCutter.Engine.Build;

/// <summary>
/// Writes COPY sources into a mounted container root from the host, with Docker's rules: a
/// folder source copies its contents, a file lands in a destination ending in <c>/</c> or in
/// an existing folder under its own name, several sources need a folder destination, missing
/// folders are created, links inside copied folders stay links, and modes are kept unless
/// <c>--chmod</c> replaces them. Files are owned by root unless <c>--chown</c> names another owner.
/// </summary>
internal static class CopyInstaller
{
    public static void Install(
        string root,
        IReadOnlyList<CopySource> sources,
        string destination,
        UnixFileMode? mode,
        (uint User, uint Group) owner)
    {
        bool destinationIsFolder = destination.EndsWith('/') || destination.EndsWith("/.", StringComparison.Ordinal);
        string target = RootedPath.Normalize(destination);
        if (sources.Count > 1 && !destinationIsFolder)
        {
            throw new CcException(
                "CopyDestinationNotFolder",
                CcErrorKind.InvalidArgument,
                $"COPY has {sources.Count} sources, so the destination '{destination}' must be a folder ending with '/'.",
                destination);
        }

        foreach (CopySource source in sources)
        {
            if (source.IsDirectory)
            {
                RootedPath.CreateDirectories(root, target);
                foreach (ContextEntry entry in source.Entries)
                {
                    WriteEntry(root, target + "/" + entry.Path, entry, mode, owner);
                }

                continue;
            }

            string file = target;
            if (destinationIsFolder || FileStatus.TryRead(RootedPath.Resolve(root, target)) is { Kind: FileKind.Directory })
            {
                RootedPath.CreateDirectories(root, target);
                file = (target == "/" ? string.Empty : target) + "/" + source.FileName;
            }

            WriteEntry(root, file, source.Entries[0], mode, owner);
        }
    }

    private static void WriteEntry(string root, string containerPath, ContextEntry entry, UnixFileMode? mode, (uint User, uint Group) owner)
    {
        string host = RootedPath.PrepareParent(root, containerPath);
        FileStatus? existing = FileStatus.TryRead(host);
        switch (entry.Kind)
        {
            case FileKind.Directory:
                if (existing is not { Kind: FileKind.Directory })
                {
                    RemoveNonFolder(host, existing, containerPath);
                    Directory.CreateDirectory(host);
                }

                ApplyOwnerAndMode(host, FileKind.Directory, mode ?? entry.Permissions, owner);
                break;
            case FileKind.SymbolicLink:
                RemoveNonFolder(host, existing, containerPath);
                File.CreateSymbolicLink(host, entry.LinkTarget ?? string.Empty);
                HostCalls.ChangeOwner(host, owner.User, owner.Group);
                break;
            default:
                RemoveNonFolder(host, existing, containerPath);
                using (var input = new FileStream(entry.FullPath, FileMode.Open, FileAccess.Read))
                using (var output = new FileStream(host, FileMode.CreateNew, FileAccess.Write))
                {
                    input.CopyTo(output);
                }

                ApplyOwnerAndMode(host, FileKind.File, mode ?? entry.Permissions, owner);
                break;
        }
    }

    private static void ApplyOwnerAndMode(string host, FileKind kind, UnixFileMode? mode, (uint User, uint Group) owner)
    {
        HostCalls.ChangeOwner(host, owner.User, owner.Group);
        if (mode is { } permissions && kind != FileKind.SymbolicLink)
        {
            File.SetUnixFileMode(host, permissions);
        }
    }

    private static void RemoveNonFolder(string host, FileStatus? existing, string containerPath)
    {
        if (existing is null)
        {
            return;
        }

        if (existing.Value.Kind == FileKind.Directory)
        {
            throw new CcException(
                "CopyDestinationIsFolder",
                CcErrorKind.InvalidOperation,
                $"COPY cannot replace the folder '{containerPath}' in the image with a file or link. Copy into it with a destination ending in '/'.",
                containerPath);
        }

        File.Delete(host);
    }
}
