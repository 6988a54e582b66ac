namespace CookieCutter.Engine.Host;

/// <summary>
/// One repository entry of the host's apt configuration.
/// </summary>
/// <param name="Uri">Repository address.</param>
/// <param name="Suites">Suites it serves, such as <c>bookworm</c> or <c>bookworm-security</c>.</param>
/// <param name="Components">Components, such as <c>main</c>.</param>
public sealed record AptSource(string Uri, IReadOnlyList<string> Suites, IReadOnlyList<string> Components);

/// <summary>
/// Reads the host's apt sources (one-line <c>.list</c> files and deb822 <c>.sources</c> files), so
/// base images use the mirror the host already uses.
/// </summary>
public static class AptSources
{
    /// <summary>Returns the binary (<c>deb</c>) entries configured on the host.</summary>
    public static IReadOnlyList<AptSource> ReadHost(string etcApt = "/etc/apt")
    {
        var sources = new List<AptSource>();
        string list = Path.Combine(etcApt, "sources.list");
        if (File.Exists(list))
        {
            sources.AddRange(ParseList(File.ReadAllText(list)));
        }

        string folder = Path.Combine(etcApt, "sources.list.d");
        if (Directory.Exists(folder))
        {
            foreach (string file in Directory.EnumerateFiles(folder).Order(StringComparer.Ordinal))
            {
                if (file.EndsWith(".list", StringComparison.Ordinal))
                {
                    sources.AddRange(ParseList(File.ReadAllText(file)));
                }
                else if (file.EndsWith(".sources", StringComparison.Ordinal))
                {
                    sources.AddRange(ParseDeb822(File.ReadAllText(file)));
                }
            }
        }

        return sources;
    }

    /// <summary>Returns the first entry that serves the suite itself (not its security updates), or null.</summary>
    public static AptSource? FindMirror(IEnumerable<AptSource> sources, string suite) =>
        sources.FirstOrDefault(s => s.Suites.Contains(suite, StringComparer.Ordinal) && !s.Uri.Contains("security", StringComparison.OrdinalIgnoreCase));

    /// <summary>Returns the first entry that serves <c>SUITE-security</c>, or null.</summary>
    public static AptSource? FindSecurityMirror(IEnumerable<AptSource> sources, string suite) =>
        sources.FirstOrDefault(s => s.Suites.Contains(suite + "-security", StringComparer.Ordinal) || s.Suites.Contains(suite + "/updates", StringComparer.Ordinal));

    /// <summary>Parses one-line entries such as <c>deb [signed-by=...] URI SUITE COMPONENT...</c>.</summary>
    public static IEnumerable<AptSource> ParseList(string text)
    {
        foreach (string raw in text.Split('\n'))
        {
            string line = raw.Split('#')[0].Trim();
            if (!line.StartsWith("deb ", StringComparison.Ordinal))
            {
                continue;
            }

            string rest = line[4..].Trim();
            if (rest.StartsWith('['))
            {
                int end = rest.IndexOf(']', StringComparison.Ordinal);
                rest = end < 0 ? string.Empty : rest[(end + 1)..].Trim();
            }

            string[] words = rest.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (words.Length >= 2)
            {
                yield return new AptSource(words[0], [words[1]], words.Skip(2).ToList());
            }
        }
    }

    /// <summary>Parses deb822 stanzas with <c>Types</c>, <c>URIs</c>, <c>Suites</c> and <c>Components</c> fields.</summary>
    public static IEnumerable<AptSource> ParseDeb822(string text)
    {
        foreach (string stanza in text.Replace("\r\n", "\n", StringComparison.Ordinal).Split("\n\n"))
        {
            var fields = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (string line in stanza.Split('\n'))
            {
                if (line.StartsWith('#') || !line.Contains(':', StringComparison.Ordinal) || char.IsWhiteSpace(line.FirstOrDefault()))
                {
                    continue;
                }

                int colon = line.IndexOf(':', StringComparison.Ordinal);
                fields[line[..colon].Trim()] = line[(colon + 1)..].Trim();
            }

            if (!fields.TryGetValue("Types", out string? types) || !types.Split(' ').Contains("deb") ||
                (fields.TryGetValue("Enabled", out string? enabled) && enabled.Equals("no", StringComparison.OrdinalIgnoreCase)) ||
                !fields.TryGetValue("URIs", out string? uris) || !fields.TryGetValue("Suites", out string? suites))
            {
                continue;
            }

            string[] components = fields.TryGetValue("Components", out string? c) ? c.Split(' ', StringSplitOptions.RemoveEmptyEntries) : [];
            foreach (string uri in uris.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                yield return new AptSource(uri, suites.Split(' ', StringSplitOptions.RemoveEmptyEntries), components);
            }
        }
    }
}
