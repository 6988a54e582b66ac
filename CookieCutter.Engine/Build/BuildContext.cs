using System.Text;
using System.Text.RegularExpressions;

namespace CookieCutter.Engine.Build;

/// <summary>
/// The folder whose files COPY may read. Every source is confined to it: an absolute source,
/// a <c>..</c> that leaves it and a symbolic link that resolves outside it are rejected. Files
/// matched by the <c>.ccignore</c> file at its top are left out of COPY and of cache keys.
/// </summary>
public sealed class BuildContext
{
    /// <summary>Name of the ignore file at the top of a build context.</summary>
    public const string IgnoreFileName = ".ccignore";

    private const int MaxLinkHops = 40;

    /// <summary>Whether links and <c>..</c> resolve as inside a chroot at <see cref="Root"/> instead of being rejected when they leave it.</summary>
    private readonly bool resolveAsChroot;

    /// <summary>Opens a build context folder and reads its <c>.ccignore</c>.</summary>
    /// <exception cref="CcException"><c>BuildContextNotFound</c> when the folder does not exist; <c>InvalidIgnorePattern</c>.</exception>
    public BuildContext(string path)
    {
        string full = System.IO.Path.GetFullPath(path);
        if (!Directory.Exists(full))
        {
            throw new CcException(
                "BuildContextNotFound",
                CcErrorKind.NotFound,
                $"The build context folder '{path}' was not found. Give the folder that holds the files COPY reads.",
                path);
        }

        Root = RealPath(full);
        Ignore = IgnoreMatcher.Load(System.IO.Path.Combine(Root, IgnoreFileName));
    }

    private BuildContext(string root, bool resolveAsChroot)
    {
        Root = RealPath(root);
        Ignore = IgnoreMatcher.None;
        this.resolveAsChroot = resolveAsChroot;
    }

    /// <summary>
    /// Opens a mounted image root as the source of <c>COPY --from</c>: absolute sources are
    /// allowed, and links and <c>..</c> resolve as they would inside the image.
    /// </summary>
    internal static BuildContext ForImageRoot(string root) => new(root, resolveAsChroot: true);

    /// <summary>Full path of the context folder with symbolic links resolved.</summary>
    public string Root { get; }

    /// <summary>The rules of the context's <c>.ccignore</c> file.</summary>
    public IgnoreMatcher Ignore { get; }

    /// <summary>
    /// Resolves one COPY source: expands wildcards, resolves symbolic links in its path (a link
    /// named as a source is copied as what it points to) and lists what it copies.
    /// </summary>
    /// <exception cref="CcException">
    /// <c>CopySourceOutsideContext</c>, <c>CopySourceNotFound</c> or <c>CopySourceExcluded</c>.
    /// </exception>
    public IReadOnlyList<CopySource> Resolve(string source)
    {
        if (resolveAsChroot)
        {
            source = source.TrimStart('/');
            source = source.Length == 0 ? "." : source;
        }

        if (source.StartsWith('/'))
        {
            throw Outside(source, $"it is an absolute path. Name sources relative to the build context '{Root}'");
        }

        string cleaned = IgnoreMatcher.CleanPath(resolveAsChroot ? "/" + source : source).TrimStart('/');
        cleaned = cleaned.Length == 0 ? "." : cleaned;
        if (cleaned == ".." || cleaned.StartsWith("../", StringComparison.Ordinal))
        {
            throw Outside(source, $"'..' leaves the build context '{Root}'");
        }

        if (cleaned.IndexOfAny(['*', '?', '[']) < 0)
        {
            return [ResolveNamed(source, cleaned, reportExcluded: true)!];
        }

        var sources = new List<CopySource>();
        foreach (string match in ExpandWildcards(source, cleaned))
        {
            if (ResolveNamed(source, match, reportExcluded: false) is { } resolved)
            {
                sources.Add(resolved);
            }
        }

        if (sources.Count == 0)
        {
            throw new CcException(
                "CopySourceNotFound",
                CcErrorKind.NotFound,
                $"The COPY source '{source}' matches no file in the build context '{Root}' that {IgnoreFileName} does not exclude.",
                source);
        }

        return sources;
    }

    /// <summary>Returns a path relative to the context for a host path inside it.</summary>
    private string Relative(string fullPath) =>
        fullPath == Root ? "." : fullPath[(Root.Length + 1)..];

    private CopySource? ResolveNamed(string source, string cleaned, bool reportExcluded)
    {
        string full = ResolveInside(source, cleaned);
        FileStatus? status = FileStatus.TryRead(full);
        if (status is null)
        {
            throw new CcException(
                "CopySourceNotFound",
                CcErrorKind.NotFound,
                $"The COPY source '{source}' was not found in the build context '{Root}'.",
                source);
        }

        string relative = Relative(full);
        bool excluded = Ignore.IsExcluded(cleaned) || Ignore.IsExcluded(relative);
        if (status.Value.Kind == FileKind.Directory)
        {
            var entries = new List<ContextEntry>();
            ListFolder(full, string.Empty, relative, entries);
            if (!excluded || entries.Count > 0)
            {
                return new CopySource(source, relative, full, IsDirectory: true, entries, System.IO.Path.GetFileName(cleaned));
            }
        }
        else if (!excluded && status.Value.Kind == FileKind.File)
        {
            var entry = new ContextEntry(string.Empty, full, FileKind.File, status.Value.Permissions, status.Value.Length, null);
            return new CopySource(source, relative, full, IsDirectory: false, [entry], System.IO.Path.GetFileName(cleaned));
        }
        else if (!excluded)
        {
            throw new CcException(
                "CopySourceNotSupported",
                CcErrorKind.InvalidArgument,
                $"The COPY source '{source}' is a device, FIFO or socket; COPY copies files, folders and symbolic links.",
                source);
        }

        if (!reportExcluded)
        {
            return null;
        }

        throw new CcException(
            "CopySourceExcluded",
            CcErrorKind.InvalidArgument,
            $"The COPY source '{source}' is excluded by '{System.IO.Path.Combine(Root, IgnoreFileName)}'. Remove the pattern that matches it, or add an exception ('!{cleaned}').",
            source);
    }

    /// <summary>Adds a folder's entries, parents first, skipping what <c>.ccignore</c> excludes; links are not followed.</summary>
    private void ListFolder(string folder, string pathInSource, string pathInContext, List<ContextEntry> entries)
    {
        IEnumerable<string> names = Directory.EnumerateFileSystemEntries(folder)
            .Select(System.IO.Path.GetFileName)
            .OfType<string>()
            .Order(StringComparer.Ordinal);
        foreach (string name in names)
        {
            string full = System.IO.Path.Combine(folder, name);
            string inSource = pathInSource.Length == 0 ? name : pathInSource + "/" + name;
            string inContext = pathInContext == "." ? name : pathInContext + "/" + name;
            if (FileStatus.TryRead(full) is not { } status || status.Kind == FileKind.Special)
            {
                continue;
            }

            bool excluded = Ignore.IsExcluded(inContext);
            if (status.Kind == FileKind.Directory)
            {
                if (excluded && !Ignore.HasExceptions)
                {
                    continue;
                }

                var children = new List<ContextEntry>();
                ListFolder(full, inSource, inContext, children);
                if (!excluded || children.Count > 0)
                {
                    entries.Add(new ContextEntry(inSource, full, FileKind.Directory, status.Permissions, 0, null));
                    entries.AddRange(children);
                }
            }
            else if (!excluded)
            {
                string? target = status.Kind == FileKind.SymbolicLink ? new FileInfo(full).LinkTarget : null;
                entries.Add(new ContextEntry(inSource, full, status.Kind, status.Permissions, status.Length, target));
            }
        }
    }

    /// <summary>Expands <c>*</c>, <c>?</c> and <c>[...]</c> in each segment against the context's folders.</summary>
    private List<string> ExpandWildcards(string source, string cleaned)
    {
        var candidates = new List<string> { string.Empty };
        foreach (string segment in cleaned.Split('/'))
        {
            var next = new List<string>();
            bool hasWildcard = segment.IndexOfAny(['*', '?', '[']) >= 0;
            Regex? regex = hasWildcard ? SegmentRegex(source, segment) : null;
            foreach (string candidate in candidates)
            {
                if (regex is null)
                {
                    next.Add(candidate.Length == 0 ? segment : candidate + "/" + segment);
                    continue;
                }

                string folder = candidate.Length == 0 ? Root : ResolveInside(source, candidate);
                if (FileStatus.TryRead(folder) is not { Kind: FileKind.Directory })
                {
                    continue;
                }

                next.AddRange(Directory.EnumerateFileSystemEntries(folder)
                    .Select(System.IO.Path.GetFileName)
                    .OfType<string>()
                    .Where(name => regex.IsMatch(name))
                    .Order(StringComparer.Ordinal)
                    .Select(name => candidate.Length == 0 ? name : candidate + "/" + name));
            }

            candidates = next;
        }

        return candidates;
    }

    /// <summary>Translates one wildcard segment into a regular expression with the meaning of Go's <c>filepath.Match</c>.</summary>
    private static Regex SegmentRegex(string source, string segment)
    {
        var regex = new StringBuilder("^");
        for (int i = 0; i < segment.Length; i++)
        {
            char c = segment[i];
            switch (c)
            {
                case '*':
                    regex.Append(".*");
                    break;
                case '?':
                    regex.Append('.');
                    break;
                case '\\' when i + 1 < segment.Length:
                    regex.Append(Regex.Escape(segment[++i].ToString()));
                    break;
                case '[':
                    int end = segment.IndexOf(']', i + 1);
                    if (end < 0)
                    {
                        throw new CcException(
                            "InvalidCopySource",
                            CcErrorKind.InvalidArgument,
                            $"The COPY source '{source}' has a '[' without a closing ']'. Escape it as '\\['.",
                            source);
                    }

                    string body = segment[(i + 1)..end];
                    regex.Append('[').Append(body.StartsWith('^') ? "^" + Regex.Escape(body[1..]) : Regex.Escape(body)).Append(']');
                    i = end;
                    break;
                default:
                    regex.Append(Regex.Escape(c.ToString()));
                    break;
            }
        }

        return new Regex(regex.Append('$').ToString(), RegexOptions.CultureInvariant | RegexOptions.Singleline);
    }

    /// <summary>
    /// Resolves a cleaned relative path segment by segment, following symbolic links, and
    /// throws <c>CopySourceOutsideContext</c> as soon as a link or <c>..</c> leads outside the
    /// context. A missing segment ends the walk; the rest is appended unresolved.
    /// </summary>
    private string ResolveInside(string source, string cleaned)
    {
        string current = Root;
        var pending = new LinkedList<string>(cleaned.Split('/').Where(s => s.Length > 0 && s != "."));
        int hops = 0;
        while (pending.First is { } first)
        {
            string segment = first.Value;
            pending.RemoveFirst();
            if (segment == "..")
            {
                if (current == Root && resolveAsChroot)
                {
                    continue;
                }

                if (current == Root)
                {
                    throw Outside(source, $"its path leads above the build context '{Root}'");
                }

                current = System.IO.Path.GetDirectoryName(current)!;
                continue;
            }

            string next = current + "/" + segment;
            FileStatus? status = FileStatus.TryRead(next);
            if (status is null)
            {
                return string.Join('/', new[] { next }.Concat(pending));
            }

            if (status.Value.Kind != FileKind.SymbolicLink)
            {
                current = next;
                continue;
            }

            if (++hops > MaxLinkHops)
            {
                throw Outside(source, $"resolving it follows more than {MaxLinkHops} symbolic links, which means a loop");
            }

            string target = new FileInfo(next).LinkTarget ?? string.Empty;
            if (target.StartsWith('/'))
            {
                string cleanTarget = resolveAsChroot ? Root + IgnoreMatcher.CleanPath(target) : IgnoreMatcher.CleanPath(target);
                cleanTarget = System.IO.Path.TrimEndingDirectorySeparator(cleanTarget);
                if (cleanTarget != Root && !cleanTarget.StartsWith(Root + "/", StringComparison.Ordinal))
                {
                    throw Outside(source, $"'{Relative(next)}' is a symbolic link to '{target}', outside the build context '{Root}'");
                }

                current = Root;
                target = cleanTarget == Root ? "." : cleanTarget[(Root.Length + 1)..];
            }

            foreach (string part in target.Split('/').Where(s => s.Length > 0 && s != ".").Reverse())
            {
                pending.AddFirst(part);
            }
        }

        return current;
    }

    private CcException Outside(string source, string reason) =>
        new(
            "CopySourceOutsideContext",
            CcErrorKind.InvalidArgument,
            $"The COPY source '{source}' is rejected: {reason}.",
            source);

    /// <summary>Resolves every symbolic link in an absolute path.</summary>
    private static string RealPath(string path)
    {
        string current = "/";
        var pending = new LinkedList<string>(path.Split('/').Where(s => s.Length > 0 && s != "."));
        int hops = 0;
        while (pending.First is { } first)
        {
            string segment = first.Value;
            pending.RemoveFirst();
            if (segment == "..")
            {
                current = System.IO.Path.GetDirectoryName(current) ?? "/";
                continue;
            }

            string next = current == "/" ? "/" + segment : current + "/" + segment;
            if (FileStatus.TryRead(next) is not { Kind: FileKind.SymbolicLink } || ++hops > MaxLinkHops)
            {
                current = next;
                continue;
            }

            string target = new FileInfo(next).LinkTarget ?? string.Empty;
            if (target.StartsWith('/'))
            {
                current = "/";
            }

            foreach (string part in target.Split('/').Where(s => s.Length > 0 && s != ".").Reverse())
            {
                pending.AddFirst(part);
            }
        }

        return current;
    }
}
