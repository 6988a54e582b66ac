namespace CookieCutter.Engine.Build;

/// <summary>
/// What <see cref="ImageBuilder.Build"/> builds and how.
/// </summary>
public sealed record BuildOptions
{
    /// <summary>Name of the image that gets the new version.</summary>
    public required string Name { get; init; }

    /// <summary>Path of the spec file.</summary>
    public required string SpecPath { get; init; }

    /// <summary>Folder COPY reads from.</summary>
    public required string ContextPath { get; init; }

    /// <summary>Values for the spec's ARG instructions.</summary>
    public IReadOnlyDictionary<string, string> BuildArguments { get; init; } = new Dictionary<string, string>();

    /// <summary>Whether every step runs again instead of reusing cached layers.</summary>
    public bool NoCache { get; init; }

    /// <summary>Whether step echoes and command output are left out.</summary>
    public bool Quiet { get; init; }

    /// <summary>Whether a shell is opened in the build container, on the caller's terminal, when a step fails.</summary>
    public bool DebugOnFailure { get; init; }

    /// <summary>Time between SIGTERM and SIGKILL when a step's command is stopped.</summary>
    public TimeSpan Grace { get; init; } = TimeSpan.FromSeconds(Store.ContainerStore.DefaultGraceSeconds);
}
