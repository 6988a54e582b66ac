namespace CookieCutter.Engine.Store;

/// <summary>
/// An image named as <c>NAME</c> (its current version) or <c>NAME@VERSION</c>.
/// </summary>
public sealed record ImageReference(string Name, string? Version)
{
    /// <summary>Parses <c>NAME</c> or <c>NAME@VERSION</c>, validating both parts.</summary>
    public static ImageReference Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int at = text.IndexOf('@', StringComparison.Ordinal);
        if (at < 0)
        {
            return new ImageReference(Names.Validate(text, "image"), null);
        }

        return new ImageReference(
            Names.Validate(text[..at], "image"),
            Names.Validate(text[(at + 1)..], "version"));
    }

    /// <inheritdoc/>
    public override string ToString() => Version is null ? Name : $"{Name}@{Version}";
}
