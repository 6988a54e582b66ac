namespace CookieCutter.Engine.Bootstrap;

/// <summary>Distribution of a base image.</summary>
public enum Distribution
{
    /// <summary>Debian.</summary>
    Debian,

    /// <summary>Ubuntu.</summary>
    Ubuntu,
}

/// <summary>
/// What <see cref="BaseImageBuilder.Build"/> bootstraps.
/// </summary>
public sealed record BaseImageOptions
{
    /// <summary>Distribution to bootstrap.</summary>
    public Distribution Distribution { get; init; } = Distribution.Debian;

    /// <summary>Release code name, such as <c>bookworm</c> or <c>noble</c>.</summary>
    public required string Suite { get; init; }

    /// <summary>Mirror address; null takes the one the host's apt sources name for the suite.</summary>
    public string? Mirror { get; init; }

    /// <summary>Security mirror address; null takes the host's, or none when the host has none.</summary>
    public string? SecurityMirror { get; init; }

    /// <summary>Bootstrap variant: <c>minbase</c>, <c>buildd</c> or <c>important</c>.</summary>
    public string Variant { get; init; } = "minbase";

    /// <summary>Debian architecture name, such as <c>amd64</c>.</summary>
    public string Architecture { get; init; } = "amd64";

    /// <summary>Extra packages installed by the bootstrapper, such as <c>procps</c>.</summary>
    public IReadOnlyList<string> Include { get; init; } = [];

    /// <summary>Whether to use debootstrap even when mmdebstrap is installed.</summary>
    public bool PreferDebootstrap { get; init; }
}
