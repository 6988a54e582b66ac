using CookieCutter.Engine.Spec;
using CookieCutter.Engine.Store;

namespace CookieCutter.Engine.Build;

/// <summary>What running a step does.</summary>
internal enum StepAction
{
    /// <summary>Only changes the settings stored with the image; makes no layer.</summary>
    Settings,

    /// <summary>Runs a command in a build container; makes a layer.</summary>
    Run,

    /// <summary>Copies files into the root; makes a layer.</summary>
    Copy,

    /// <summary>Creates the working directory; makes a layer.</summary>
    Workdir,
}

/// <summary>
/// A spec step with its variables expanded, its cache key computed and everything it needs to
/// run, worked out before any step runs so that every error in the spec shows up first.
/// </summary>
internal sealed class PlannedStep
{
    public required SpecStep Step { get; init; }

    public required int Number { get; init; }

    public required StepAction Action { get; init; }

    /// <summary>The instruction after variable expansion, as echoed and hashed into the key.</summary>
    public required string Description { get; init; }

    public required string Key { get; init; }

    /// <summary>Command of a RUN step, passed to the container unchanged.</summary>
    public IReadOnlyList<string> Command { get; init; } = [];

    /// <summary>Environment of a RUN step: ENV values, and ARG values that no ENV overrides.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>Working directory of a RUN step, or the folder a WORKDIR step creates.</summary>
    public string WorkingDirectory { get; init; } = "/";

    /// <summary>User of a RUN step, or the <c>--chown</c> value of a COPY step.</summary>
    public string? User { get; init; }

    /// <summary>Sources of a COPY step from the build context; empty with <c>--from</c>.</summary>
    public IReadOnlyList<CopySource> Sources { get; init; } = [];

    /// <summary>Source paths inside the image of a <c>COPY --from</c> step.</summary>
    public IReadOnlyList<string> ImageSources { get; init; } = [];

    /// <summary>Image a <c>COPY --from</c> step copies from.</summary>
    public ImageInfo? SourceImage { get; init; }

    /// <summary>Absolute destination of a COPY step; a trailing <c>/</c> marks a folder.</summary>
    public string Destination { get; init; } = "/";

    /// <summary>The <c>--chmod</c> mode of a COPY step.</summary>
    public UnixFileMode? Mode { get; init; }

    /// <summary>Whether the step makes a layer.</summary>
    public bool MakesLayer => Action != StepAction.Settings;
}

/// <summary>
/// A build worked out before it runs: the base image, the steps and the settings the new
/// version gets.
/// </summary>
internal sealed class BuildPlan
{
    public required ImageInfo BaseImage { get; init; }

    public required IReadOnlyList<PlannedStep> Steps { get; init; }

    public required ImageConfig Config { get; init; }

    /// <summary>Build arguments given by the caller that no ARG declares.</summary>
    public required IReadOnlyList<string> UnusedArguments { get; init; }

    /// <summary>Number of spec steps, FROM and pre-FROM ARGs included.</summary>
    public required int StepCount { get; init; }
}
