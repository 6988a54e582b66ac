namespace CookieCutter.Engine.Build;

/// <summary>
/// A file, folder or symbolic link that a COPY source contributes.
/// </summary>
/// <param name="Path">Path below the source, with <c>/</c> between segments; empty for a file source itself.</param>
/// <param name="FullPath">Path on the host.</param>
/// <param name="Kind">Type of the entry; a symbolic link inside a copied folder stays a link.</param>
/// <param name="Permissions">Permission bits, kept by COPY unless <c>--chmod</c> is given.</param>
/// <param name="Length">Size in bytes of a file.</param>
/// <param name="LinkTarget">Target of a symbolic link, as stored in the link.</param>
public sealed record ContextEntry(
    string Path,
    string FullPath,
    FileKind Kind,
    UnixFileMode Permissions,
    long Length,
    string? LinkTarget);

/// <summary>
/// One COPY source after wildcard expansion, symbolic link resolution and <c>.ccignore</c>
/// filtering.
/// </summary>
/// <param name="Source">The source as written in the spec, after variable expansion.</param>
/// <param name="RelativePath">Path of the resolved source in the build context, <c>.</c> for the whole context.</param>
/// <param name="FullPath">Resolved path on the host.</param>
/// <param name="IsDirectory">Whether the source is a folder, whose contents are copied.</param>
/// <param name="Entries">What is copied, parents before their contents, in ordinal order of path.</param>
/// <param name="FileName">
/// Name under which a file source lands in a destination folder: the last segment of the path
/// as named, so a symbolic link named as a source keeps its own name.
/// </param>
public sealed record CopySource(
    string Source,
    string RelativePath,
    string FullPath,
    bool IsDirectory,
    IReadOnlyList<ContextEntry> Entries,
    string FileName);
