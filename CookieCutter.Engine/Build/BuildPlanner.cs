using System.Text.Json;
using CookieCutter.Engine.Spec;
using CookieCutter.Engine.Store;

namespace CookieCutter.Engine.Build;

/// <summary>
/// Expands a parsed spec into a <see cref="BuildPlan"/>: ARG and ENV values are substituted as
/// Docker does (ENV wins over ARG of the same name, ARGs before FROM are visible only to FROM
/// unless declared again), COPY sources are resolved in the build context, and each step gets
/// a cache key chained from its predecessor's.
/// </summary>
internal sealed class BuildPlanner
{
    private const string DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private readonly Func<ImageReference, ImageInfo> resolveImage;
    private readonly Func<ImageInfo, string> layerId;
    private readonly BuildContext context;
    private readonly IReadOnlyDictionary<string, string> buildArguments;
    private readonly HashSet<string> consumed = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string?> globalArguments = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string?> arguments = new(StringComparer.Ordinal);
    private Dictionary<string, string> environment = new(StringComparer.Ordinal);
    private Dictionary<string, string> labels = new(StringComparer.Ordinal);
    private string? workingDirectory;
    private string? user;
    private IReadOnlyList<string>? command;

    public BuildPlanner(
        BuildContext context,
        IReadOnlyDictionary<string, string> buildArguments,
        Func<ImageReference, ImageInfo> resolveImage,
        Func<ImageInfo, string> layerId)
    {
        this.context = context;
        this.buildArguments = buildArguments;
        this.resolveImage = resolveImage;
        this.layerId = layerId;
    }

    public BuildPlan Plan(IReadOnlyList<SpecStep> steps)
    {
        ImageInfo? baseImage = null;
        string parentKey = string.Empty;
        var planned = new List<PlannedStep>();
        for (int index = 0; index < steps.Count; index++)
        {
            SpecStep step = steps[index];
            try
            {
                if (baseImage is null)
                {
                    if (step.Instruction == SpecInstruction.Arg)
                    {
                        DeclareArguments(step, globalArguments, LookupGlobal);
                        continue;
                    }

                    baseImage = PlanFrom(step);
                    parentKey = "image:" + layerId(baseImage);
                    continue;
                }

                PlannedStep next = PlanStep(step, index + 1, parentKey);
                planned.Add(next);
                parentKey = next.Key;
            }
            catch (SpecExpansionException error)
            {
                throw StepError(step, error.Message);
            }
            catch (CcException error) when (error.ErrorId is "InvalidName" or "ImageNotFound" or "InvalidImageReference")
            {
                throw StepError(step, error.Message, error.ErrorId, error.Kind);
            }
        }

        return new BuildPlan
        {
            BaseImage = baseImage!,
            Steps = planned,
            Config = new ImageConfig
            {
                Environment = environment,
                WorkingDirectory = workingDirectory,
                User = user,
                Command = command,
                Labels = labels,
            },
            UnusedArguments = buildArguments.Keys.Where(k => !consumed.Contains(k)).Order(StringComparer.Ordinal).ToList(),
            StepCount = steps.Count,
        };
    }

    /// <summary>Returns a build error that names the spec position of a step.</summary>
    public static CcException StepError(SpecStep step, string message, string errorId = "InvalidBuildSpec", CcErrorKind kind = CcErrorKind.InvalidArgument) =>
        new(
            errorId,
            kind,
            $"{step.File}:{step.Line}:{step.Column}: {step.Instruction.ToString().ToUpperInvariant()}: {message}",
            step.File);

    private ImageInfo PlanFrom(SpecStep step)
    {
        string reference = ShellWords.Expand(step.Arguments[0], LookupGlobal);
        ImageInfo image = resolveImage(ImageReference.Parse(reference));
        environment = new Dictionary<string, string>(image.Config.Environment, StringComparer.Ordinal);
        labels = new Dictionary<string, string>(image.Config.Labels, StringComparer.Ordinal);
        workingDirectory = image.Config.WorkingDirectory;
        user = image.Config.User;
        command = image.Config.Command;
        return image;
    }

    private PlannedStep PlanStep(SpecStep step, int number, string parentKey)
    {
        string instruction = step.Instruction.ToString().ToUpperInvariant();
        switch (step.Instruction)
        {
            case SpecInstruction.Arg:
                string declared = DeclareArguments(step, arguments, Lookup);
                return Settings(step, number, parentKey, $"ARG {declared}");
            case SpecInstruction.Env:
                environment = ApplyPairs(step, environment);
                return Settings(step, number, parentKey, $"ENV {JsonSerializer.Serialize(environment)}", step.Text);
            case SpecInstruction.Label:
                labels = ApplyPairs(step, labels);
                return Settings(step, number, parentKey, $"LABEL {JsonSerializer.Serialize(labels)}", step.Text);
            case SpecInstruction.User:
                user = ShellWords.Expand(step.Arguments[0], Lookup);
                return Settings(step, number, parentKey, $"USER {user}");
            case SpecInstruction.Cmd:
                command = step.IsExecForm ? step.Arguments : ["/bin/sh", "-c", step.Arguments[0]];
                return Settings(step, number, parentKey, $"CMD {JsonSerializer.Serialize(command)}");
            case SpecInstruction.Workdir:
                string folder = ShellWords.Expand(step.Arguments[0], Lookup);
                workingDirectory = RootedPath.Normalize(folder.StartsWith('/') ? folder : (workingDirectory ?? "/") + "/" + folder);
                string text = $"WORKDIR {workingDirectory}";
                return new PlannedStep
                {
                    Step = step,
                    Number = number,
                    Action = StepAction.Workdir,
                    Description = text,
                    Key = StepCacheKey.Compute(parentKey, text),
                    WorkingDirectory = workingDirectory,
                };
            case SpecInstruction.Run:
                return PlanRun(step, number, parentKey);
            case SpecInstruction.Copy:
                return PlanCopy(step, number, parentKey);
            default:
                throw StepError(step, $"{instruction} may appear only once, at the start.");
        }
    }

    private PlannedStep PlanRun(SpecStep step, int number, string parentKey)
    {
        IReadOnlyList<string> runCommand = step.IsExecForm ? step.Arguments : ["/bin/sh", "-c", step.Arguments[0]];
        var runEnvironment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach ((string name, string? value) in arguments)
        {
            if (value is not null)
            {
                runEnvironment[name] = value;
            }
        }

        foreach ((string name, string value) in environment)
        {
            runEnvironment[name] = value;
        }

        runEnvironment.TryAdd("PATH", DefaultPath);
        string argumentText = string.Join(
            ' ',
            arguments.Where(a => a.Value is not null).OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => $"{a.Key}={a.Value}"));
        string text = $"RUN {JsonSerializer.Serialize(runCommand)}";
        string keyText = $"{text}\nARGS {argumentText}\nUSER {user}\nWORKDIR {workingDirectory}";
        return new PlannedStep
        {
            Step = step,
            Number = number,
            Action = StepAction.Run,
            Description = step.Text,
            Key = StepCacheKey.Compute(parentKey, keyText),
            Command = runCommand,
            Environment = runEnvironment,
            WorkingDirectory = workingDirectory ?? "/",
            User = user,
        };
    }

    private PlannedStep PlanCopy(SpecStep step, int number, string parentKey)
    {
        List<string> words = step.Arguments.Select(a => ShellWords.Expand(a, Lookup)).ToList();
        List<string> sourceWords = words.Count > 1 ? words[..^1] : words;
        string rawDestination = words.Count > 1 ? words[^1] : "./";
        string baseFolder = workingDirectory ?? "/";
        bool isFolder = rawDestination.EndsWith('/') || rawDestination is "." or "..";
        string destination = RootedPath.Normalize(rawDestination.StartsWith('/') ? rawDestination : baseFolder + "/" + rawDestination);
        if (isFolder && destination != "/")
        {
            destination += "/";
        }

        string? owner = step.Flags.TryGetValue("chown", out string? chown) ? ShellWords.Expand(chown, Lookup) : null;
        UnixFileMode? mode = step.Flags.TryGetValue("chmod", out string? chmod)
            ? (UnixFileMode)Convert.ToInt32(ShellWords.Expand(chmod, Lookup), 8)
            : null;
        string flags = (owner is null ? string.Empty : $"--chown={owner} ") +
            (mode is null ? string.Empty : $"--chmod={Convert.ToString((int)mode.Value, 8)} ");
        if (step.Flags.TryGetValue("from", out string? from))
        {
            ImageInfo source = resolveImage(ImageReference.Parse(ShellWords.Expand(from, Lookup)));
            string fromText = $"COPY --from={source.Reference} {flags}{string.Join(' ', sourceWords)} {destination}";
            return new PlannedStep
            {
                Step = step,
                Number = number,
                Action = StepAction.Copy,
                Description = fromText,
                Key = StepCacheKey.Compute(parentKey, fromText + "\nLAYER " + layerId(source)),
                SourceImage = source,
                ImageSources = sourceWords,
                Destination = destination,
                Mode = mode,
                User = owner,
            };
        }

        List<CopySource> sources = sourceWords.SelectMany(context.Resolve).ToList();
        if (sources.Count > 1 && !isFolder)
        {
            throw StepError(step, $"The sources match {sources.Count} files, so the destination '{rawDestination}' must be a folder ending with '/'.");
        }

        string text = $"COPY {flags}{string.Join(' ', sourceWords)} {destination}";
        return new PlannedStep
        {
            Step = step,
            Number = number,
            Action = StepAction.Copy,
            Description = text,
            Key = StepCacheKey.Compute(parentKey, text, sources),
            Sources = sources,
            Destination = destination,
            Mode = mode,
            User = owner,
        };
    }

    /// <summary>Plans a step that only changes settings; <paramref name="keyText"/> is hashed, <paramref name="description"/> echoed.</summary>
    private static PlannedStep Settings(SpecStep step, int number, string parentKey, string keyText, string? description = null) =>
        new()
        {
            Step = step,
            Number = number,
            Action = StepAction.Settings,
            Description = description ?? keyText,
            Key = StepCacheKey.Compute(parentKey, keyText),
        };

    /// <summary>Declares ARG names with their values: the caller's build argument, else the expanded default, else an earlier global value.</summary>
    private string DeclareArguments(SpecStep step, Dictionary<string, string?> scope, Func<string, string?> lookup)
    {
        var declarations = new List<string>();
        foreach (string item in step.Arguments)
        {
            int equals = item.IndexOf('=', StringComparison.Ordinal);
            string name = equals < 0 ? item : item[..equals];
            string? value = buildArguments.TryGetValue(name, out string? given)
                ? given
                : equals >= 0
                    ? ShellWords.Expand(item[(equals + 1)..], lookup)
                    : globalArguments.GetValueOrDefault(name);
            scope[name] = value;
            consumed.Add(name);
            declarations.Add(value is null ? name : $"{name}={value}");
        }

        return string.Join(' ', declarations);
    }

    private Dictionary<string, string> ApplyPairs(SpecStep step, Dictionary<string, string> current)
    {
        var updated = new Dictionary<string, string>(current, StringComparer.Ordinal);
        foreach (string item in step.Arguments)
        {
            int equals = item.IndexOf('=', StringComparison.Ordinal);
            string key = ShellWords.Expand(item[..equals], Lookup);
            updated[key] = ShellWords.Expand(item[(equals + 1)..], Lookup);
        }

        return updated;
    }

    private string? Lookup(string name) =>
        environment.TryGetValue(name, out string? value) ? value : arguments.GetValueOrDefault(name);

    private string? LookupGlobal(string name) => globalArguments.GetValueOrDefault(name);
}
