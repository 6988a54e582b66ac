using System.Text.Json;
using CookieCutter.Engine.Spec;
using CookieCutter.Engine.Layers;
using CookieCutter.Engine.Store;

namespace CookieCutter.Engine.Build;

/// <summary>
/// Builds images from specs. Every step that changes files runs in a throw-away container
/// on top of the previous step's layer, and its upper dir is kept in the
/// <see cref="LayerCache"/> under the step's key, so a rebuild runs only from the first
/// changed step. A successful build commits a new version whose own layer is empty (or holds
/// only the working directory) on top of the last step's layer, moves <c>current</c> to it and
/// removes old versions nothing uses. A failed or cancelled build leaves no container, no mount
/// and no version; layers of the steps that finished stay in the cache.
/// </summary>
public sealed class ImageBuilder
{
    private const int ProgressId = 3;
    private const int TailLines = 20;

    private readonly StorePaths paths;
    private readonly ImageStore images;
    private readonly ContainerStore containers;
    private readonly LayerCache cache;

    /// <summary>Creates a builder over a store.</summary>
    public ImageBuilder(StorePaths paths)
    {
        this.paths = paths;
        images = new ImageStore(paths);
        containers = new ContainerStore(paths, images);
        cache = new LayerCache(images);
    }

    /// <summary>Parses a spec file and returns its steps or its syntax errors, without building.</summary>
    public static SpecParseResult Check(string specPath) => SpecParser.ParseFile(specPath);

    /// <summary>Builds a new version of an image and returns it.</summary>
    /// <exception cref="CcException">
    /// <c>InvalidBuildSpec</c> before any step runs; <c>BuildStepFailed</c> when a step fails;
    /// the store's and COPY's own error ids.
    /// </exception>
    /// <exception cref="OperationCanceledException">The build was cancelled, so no version was saved.</exception>
    public ImageInfo Build(BuildOptions options, IOperationSink sink, CancellationToken cancellationToken)
    {
        paths.EnsureExists();
        string name = Names.ValidateWritableImage(options.Name);
        SpecParseResult spec = SpecParser.ParseFile(options.SpecPath);
        spec.ThrowIfInvalid();
        var context = new BuildContext(options.ContextPath);
        using StoreLock imageLock = StoreLock.Acquire(paths.ImageLock(name), cancellationToken);
        var planner = new BuildPlanner(context, options.BuildArguments, images.Resolve, image => images.RelativeName(image.Path));
        BuildPlan plan = planner.Plan(spec.Steps);
        CheckLayerCount(plan);
        foreach (string unused in plan.UnusedArguments)
        {
            sink.Warning($"The build argument '{unused}' was not used: no ARG in '{options.SpecPath}' declares it.");
        }

        string activity = $"Building image {name}";
        try
        {
            string layer = RunSteps(name, plan, options, activity, sink, cancellationToken);
            cancellationToken.ThrowIfCancellationRequested();
            return Commit(name, layer, plan, options, sink);
        }
        finally
        {
            if (!cancellationToken.IsCancellationRequested)
            {
                sink.Progress(new ProgressUpdate(ProgressId, activity, "done", 100, Completed: true));
            }
        }
    }

    private string RunSteps(string name, BuildPlan plan, BuildOptions options, string activity, IOperationSink sink, CancellationToken cancellationToken)
    {
        int total = plan.StepCount;
        int fromNumber = total - plan.Steps.Count;
        Echo(options, sink, $"Step {fromNumber}/{total}: FROM {plan.BaseImage.Reference}");
        string layer = plan.BaseImage.Path;
        foreach (PlannedStep step in plan.Steps)
        {
            cancellationToken.ThrowIfCancellationRequested();
            sink.Progress(new ProgressUpdate(
                ProgressId,
                activity,
                $"step {step.Number} of {total}: {step.Description}",
                100 * (step.Number - 1) / total));
            string echo = $"Step {step.Number}/{total}: {step.Description}";
            if (!step.MakesLayer)
            {
                Echo(options, sink, echo);
                continue;
            }

            if (!options.NoCache && cache.TryGet(step.Key) is { } cached)
            {
                Echo(options, sink, echo + " (cached)");
                sink.Verbose($"Reusing cached layer '{step.Key}'.");
                layer = cached;
                continue;
            }

            Echo(options, sink, echo);
            layer = RunStep(name, step, layer, options, sink, cancellationToken);
        }

        return layer;
    }

    /// <summary>Runs one step in a new build container on <paramref name="layer"/> and returns the cached layer it made.</summary>
    private string RunStep(string name, PlannedStep step, string layer, BuildOptions options, IOperationSink sink, CancellationToken cancellationToken)
    {
        using BuildContainer container = BuildContainer.Create(containers, name, layer, cancellationToken);
        sink.Verbose($"Running step {step.Number} in build container '{container.Name}'.");
        try
        {
            switch (step.Action)
            {
                case StepAction.Run:
                    RunCommand(step, container, options, sink, cancellationToken);
                    break;
                case StepAction.Copy:
                    Copy(step, container, cancellationToken);
                    break;
                default:
                    RootedPath.CreateDirectories(container.Root, step.WorkingDirectory);
                    break;
            }
        }
        catch (CcException error) when (error.ErrorId != "BuildStepFailed")
        {
            OpenDebugShell(step, container, options, sink);
            throw BuildPlanner.StepError(step.Step, error.Message, error.ErrorId, error.Kind);
        }

        cancellationToken.ThrowIfCancellationRequested();
        container.Unmount();
        string key = options.NoCache ? $"{step.Key}-{Guid.NewGuid().ToString("N")[..6]}" : step.Key;
        return cache.Store(key, container.Diff, layer);
    }

    private static void RunCommand(PlannedStep step, BuildContainer container, BuildOptions options, IOperationSink sink, CancellationToken cancellationToken)
    {
        var tail = new Queue<string>();
        void Remember(string line)
        {
            lock (tail)
            {
                tail.Enqueue(line);
                if (tail.Count > TailLines)
                {
                    tail.Dequeue();
                }
            }
        }

        int exitCode = container.Run(
            step.Command,
            step.Environment,
            step.WorkingDirectory,
            step.User,
            interactive: false,
            line =>
            {
                Remember(line);
                if (!options.Quiet)
                {
                    sink.Information("  " + line);
                }
            },
            line =>
            {
                Remember(line);
                if (!options.Quiet)
                {
                    sink.ErrorLine("  " + line);
                }
            },
            options.Grace,
            cancellationToken);
        if (exitCode == 0)
        {
            return;
        }

        OpenDebugShell(step, container, options, sink);
        string output = options.Quiet && tail.Count > 0
            ? $"{Environment.NewLine}Last output lines:{Environment.NewLine}{string.Join(Environment.NewLine, tail)}"
            : string.Empty;
        throw new CcException(
            "BuildStepFailed",
            CcErrorKind.OperationFailed,
            $"{step.Step.File}:{step.Step.Line}: step {step.Number} failed with exit code {exitCode}: {step.Step.Text}. Nothing was saved; fix the step and build again (earlier steps come from the cache).{output}",
            step.Step.Text);
    }

    private void Copy(PlannedStep step, BuildContainer container, CancellationToken cancellationToken)
    {
        (uint User, uint Group) owner = step.User is null ? (0, 0) : Owners.Resolve(container.Root, step.User);
        if (step.SourceImage is null)
        {
            CopyInstaller.Install(container.Root, step.Sources, step.Destination, step.Mode, owner);
            return;
        }

        using BuildContainer source = BuildContainer.Create(containers, step.SourceImage.Name, step.SourceImage.Path, cancellationToken);
        BuildContext imageRoot = BuildContext.ForImageRoot(source.Root);
        List<CopySource> sources = step.ImageSources.SelectMany(imageRoot.Resolve).ToList();
        CopyInstaller.Install(container.Root, sources, step.Destination, step.Mode, owner);
    }

    private static void OpenDebugShell(PlannedStep step, BuildContainer container, BuildOptions options, IOperationSink sink)
    {
        if (!options.DebugOnFailure)
        {
            return;
        }

        sink.Warning($"Step {step.Number} failed. Opening a shell in build container '{container.Name}'; exit the shell to end the build. Nothing from this step is saved.");
        container.Run(
            ["/bin/sh"],
            step.Environment.Count > 0 ? step.Environment : new Dictionary<string, string> { ["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" },
            step.Action == StepAction.Run ? step.WorkingDirectory : "/",
            step.Action == StepAction.Run ? step.User : null,
            interactive: true,
            _ => { },
            _ => { },
            options.Grace,
            CancellationToken.None);
    }

    /// <summary>Commits the build as a new version, unless the current version already is exactly this build.</summary>
    private ImageInfo Commit(string name, string layer, BuildPlan plan, BuildOptions options, IOperationSink sink)
    {
        string settings = JsonSerializer.Serialize(plan.Config);
        ImageInfo? current = images.TryGetCurrent(name);
        if (current is not null &&
            images.ParentPath(current.Path) == layer &&
            JsonSerializer.Serialize(current.Config) == settings &&
            !Directory.EnumerateFileSystemEntries(Path.Combine(current.Path, "diff")).Any())
        {
            Echo(options, sink, $"Image '{current.Reference}' is up to date; no new version was made.");
            return current;
        }

        string top = Path.Combine(paths.Images, LayerCache.FolderName, ".top-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(top);
        ImageInfo version;
        try
        {
            version = images.Commit(name, top, layer, plan.Config);
        }
        catch
        {
            FileTree.Delete(top);
            throw;
        }

        Echo(options, sink, $"Built image '{version.Reference}'.");
        foreach ((ImageInfo removed, long bytes) in images.CollectGarbage(name, _ => true))
        {
            sink.Verbose($"Removed unused version '{removed.Reference}' ({bytes} bytes).");
        }

        return images.TryGetCurrent(name) ?? version;
    }

    /// <summary>
    /// Rejects, before any step runs, a build whose layer folders would not fit together in
    /// the one page (4096 bytes) of mount options that an overlay mount allows.
    /// </summary>
    private void CheckLayerCount(BuildPlan plan)
    {
        IReadOnlyList<string> baseChain = images.LayerChain(plan.BaseImage.Path);
        int layerSteps = plan.Steps.Count(s => s.MakesLayer);
        int cachePathLength = Path.Combine(cache.VersionsPath, new string('0', 40), "diff").Length + 1;
        int containerPathLength = Path.Combine(paths.Containers, new string('x', 120), "work").Length + 1;
        int length = baseChain.Sum(l => l.Length + 1) + ((layerSteps + 1) * cachePathLength) + (3 * containerPathLength);
        bool fitsOneMount = length < 4096;
        bool fitsByLayers = baseChain.Count + layerSteps + 1 <= Overlay.MaxLayers && LinuxSupportsLayerByLayerMounts();
        if (!fitsOneMount && !fitsByLayers)
        {
            throw new CcException(
                "LayerChainTooLong",
                CcErrorKind.InvalidArgument,
                $"The build would stack {baseChain.Count + layerSteps + 1} layers, more than one overlay mount can take at this store path. Join RUN steps with '&&', or use a shorter COOKIECUTTER_ROOT.",
                plan.BaseImage.Reference);
        }
    }

    /// <summary>Returns whether the kernel has the new mount API with <c>lowerdir+</c> for overlays (Linux 6.8 or later).</summary>
    private static bool LinuxSupportsLayerByLayerMounts()
    {
        string release = File.Exists("/proc/sys/kernel/osrelease") ? File.ReadAllText("/proc/sys/kernel/osrelease").Trim() : string.Empty;
        string[] parts = release.Split('.', '-');
        return parts.Length >= 2
            && int.TryParse(parts[0], System.Globalization.CultureInfo.InvariantCulture, out int major)
            && int.TryParse(parts[1], System.Globalization.CultureInfo.InvariantCulture, out int minor)
            && (major > 6 || (major == 6 && minor >= 8));
    }

    private static void Echo(BuildOptions options, IOperationSink sink, string message)
    {
        if (!options.Quiet)
        {
            sink.Information(message);
        }
    }
}
