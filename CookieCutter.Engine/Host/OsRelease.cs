namespace CookieCutter.Engine.Host;

/// <summary>
/// The host's distribution and release code name, from <c>/etc/os-release</c>.
/// </summary>
/// <param name="Id">Distribution id, such as <c>debian</c> or <c>ubuntu</c>.</param>
/// <param name="Codename">Release code name, such as <c>bookworm</c>, or empty when unknown.</param>
public sealed record OsRelease(string Id, string Codename)
{
    /// <summary>Reads <c>/etc/os-release</c>; returns empty fields when it is missing.</summary>
    public static OsRelease ReadHost(string path = "/etc/os-release")
    {
        if (!File.Exists(path))
        {
            return new OsRelease(string.Empty, string.Empty);
        }

        var fields = File.ReadAllLines(path)
            .Where(l => l.Contains('=', StringComparison.Ordinal))
            .Select(l => l.Split('=', 2))
            .GroupBy(p => p[0])
            .ToDictionary(g => g.Key, g => g.First()[1].Trim('"'), StringComparer.Ordinal);
        return new OsRelease(
            fields.GetValueOrDefault("ID", string.Empty),
            fields.GetValueOrDefault("VERSION_CODENAME", string.Empty));
    }
}
