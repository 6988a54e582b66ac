using System.Text;
using System.Text.RegularExpressions;

namespace CookieCutter.Engine.Build;

/// <summary>
/// The rules of a <c>.ccignore</c> file, with the syntax and meaning of Docker's
/// <c>.dockerignore</c>: one pattern a line, <c>#</c> in the first column starts a comment,
/// blanks around a pattern are ignored, a leading <c>/</c> is dropped and the pattern is
/// cleaned like a path. <c>*</c> and <c>?</c> match within one path segment, <c>**</c>
/// matches any number of segments, <c>[...]</c> is a character class and a backslash escapes
/// the next character. A pattern that matches a folder also matches everything below it.
/// A pattern starting with <c>!</c> is an exception that includes again what earlier patterns
/// excluded. The last pattern that matches a path decides.
/// Microsoft.Extensions.FileSystemGlobbing is not used because it has no ordered exceptions
/// and does not let a folder pattern exclude the folder's contents.
/// </summary>
public sealed class IgnoreMatcher
{
    private readonly List<IgnorePattern> patterns;

    private IgnoreMatcher(List<IgnorePattern> patterns)
    {
        this.patterns = patterns;
    }

    /// <summary>A matcher that excludes nothing.</summary>
    public static IgnoreMatcher None { get; } = new([]);

    /// <summary>Whether any pattern is an exception, so that a folder's excluded contents may still be included.</summary>
    public bool HasExceptions => patterns.Any(p => p.IsException);

    /// <summary>Number of patterns read.</summary>
    public int Count => patterns.Count;

    /// <summary>Reads the patterns of a <c>.ccignore</c> file, or returns <see cref="None"/> when it does not exist.</summary>
    /// <exception cref="CcException"><c>InvalidIgnorePattern</c> when a pattern is malformed.</exception>
    public static IgnoreMatcher Load(string file) =>
        File.Exists(file) ? Parse(File.ReadAllText(file, Encoding.UTF8), file) : None;

    /// <summary>Parses ignore rules; <paramref name="file"/> names them in error messages.</summary>
    /// <exception cref="CcException"><c>InvalidIgnorePattern</c> when a pattern is malformed.</exception>
    public static IgnoreMatcher Parse(string text, string file)
    {
        var patterns = new List<IgnorePattern>();
        string[] lines = text.Split('\n');
        for (int index = 0; index < lines.Length; index++)
        {
            string line = lines[index];
            if (index == 0)
            {
                line = line.TrimStart('\uFEFF');
            }

            if (line.StartsWith('#'))
            {
                continue;
            }

            string pattern = line.Trim();
            if (pattern.Length == 0)
            {
                continue;
            }

            bool isException = pattern[0] == '!';
            if (isException)
            {
                pattern = pattern[1..].Trim();
            }

            if (pattern.Length > 0)
            {
                pattern = CleanPath(pattern);
                if (pattern.Length > 1 && pattern[0] == '/')
                {
                    pattern = pattern[1..];
                }
            }

            patterns.Add(IgnorePattern.Create(pattern, isException, file, index + 1));
        }

        return new IgnoreMatcher(patterns);
    }

    /// <summary>
    /// Returns whether a path relative to the build context, with <c>/</c> between segments,
    /// is excluded: by a pattern that matches it or one of its parent folders, unless a later
    /// exception matches.
    /// </summary>
    public bool IsExcluded(string relativePath)
    {
        string path = CleanPath(relativePath);
        if (path == "." || patterns.Count == 0)
        {
            return false;
        }

        string[] segments = path.Split('/');
        bool excluded = false;
        foreach (IgnorePattern pattern in patterns)
        {
            if (pattern.IsException != excluded)
            {
                continue;
            }

            bool match = pattern.Matches(path);
            for (int count = 1; !match && count < segments.Length; count++)
            {
                match = pattern.Matches(string.Join('/', segments, 0, count));
            }

            if (match)
            {
                excluded = !pattern.IsException;
            }
        }

        return excluded;
    }

    /// <summary>
    /// Cleans a path the way Go's <c>filepath.Clean</c> does: repeated slashes and <c>.</c>
    /// segments go, <c>..</c> removes the segment before it, and an empty result is <c>.</c>.
    /// </summary>
    internal static string CleanPath(string path)
    {
        bool rooted = path.StartsWith('/');
        var kept = new List<string>();
        foreach (string segment in path.Split('/'))
        {
            if (segment.Length == 0 || segment == ".")
            {
                continue;
            }

            if (segment == "..")
            {
                if (kept.Count > 0 && kept[^1] != "..")
                {
                    kept.RemoveAt(kept.Count - 1);
                }
                else if (!rooted)
                {
                    kept.Add(segment);
                }

                continue;
            }

            kept.Add(segment);
        }

        string joined = string.Join('/', kept);
        if (rooted)
        {
            return "/" + joined;
        }

        return joined.Length == 0 ? "." : joined;
    }

    private sealed class IgnorePattern
    {
        private readonly Regex regex;

        private IgnorePattern(Regex regex, bool isException)
        {
            this.regex = regex;
            IsException = isException;
        }

        public bool IsException { get; }

        public static IgnorePattern Create(string pattern, bool isException, string file, int line)
        {
            try
            {
                return new IgnorePattern(
                    new Regex(ToRegex(pattern), RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)),
                    isException);
            }
            catch (ArgumentException error)
            {
                throw new CcException(
                    "InvalidIgnorePattern",
                    CcErrorKind.InvalidArgument,
                    $"The pattern '{pattern}' on line {line} of '{file}' is invalid: {error.Message} Fix or remove it.",
                    file,
                    error);
            }
        }

        public bool Matches(string path)
        {
            try
            {
                return regex.IsMatch(path);
            }
            catch (RegexMatchTimeoutException)
            {
                return false;
            }
        }

        /// <summary>Translates a pattern into an anchored regular expression, as Docker's pattern matcher does.</summary>
        private static string ToRegex(string pattern)
        {
            var regex = new StringBuilder("^");
            for (int i = 0; i < pattern.Length; i++)
            {
                char c = pattern[i];
                if (c == '*' && i + 1 < pattern.Length && pattern[i + 1] == '*')
                {
                    i++;
                    if (i + 1 < pattern.Length && pattern[i + 1] == '/')
                    {
                        i++;
                    }

                    regex.Append(i + 1 >= pattern.Length ? ".*" : "(.*/)?");
                }
                else if (c == '*')
                {
                    regex.Append("[^/]*");
                }
                else if (c == '?')
                {
                    regex.Append("[^/]");
                }
                else if (c == '\\')
                {
                    regex.Append(i + 1 < pattern.Length ? Regex.Escape(pattern[++i].ToString()) : @"\\");
                }
                else if (c is '[' or ']' or '^' or '-')
                {
                    regex.Append(c);
                }
                else
                {
                    regex.Append(Regex.Escape(c.ToString()));
                }
            }

            return regex.Append('$').ToString();
        }
    }
}
