using System.Globalization;
using CookieCutter.Engine.Host;
using CookieCutter.Engine.Layers;
using CookieCutter.Engine.Run;
using CookieCutter.Engine.Store;

namespace CookieCutter.Engine.Bootstrap;

/// <summary>
/// Makes Debian and Ubuntu base images as the classic <c>cc-build-ubuntu-image</c> does: the
/// bootstrap stage becomes image <c>SUITE-bootstrap</c> (kept, so a second run skips it), and
/// image <c>SUITE</c> is built on it with release, updates and security sources and an upgrade.
/// </summary>
public sealed class BaseImageBuilder
{
    private const int ActivityId = 10;

    private static readonly (string Marker, int Percent)[] Stages =
    [
        ("apt-get update", 5),
        ("Retrieving Release", 5),
        ("downloading packages", 15),
        ("Retrieving packages", 15),
        ("extracting archives", 35),
        ("Extracting", 35),
        ("installing essential", 50),
        ("Installing core", 50),
        ("Unpacking", 55),
        ("installing remaining", 65),
        ("Configuring", 75),
        ("cleaning package lists", 90),
        ("Base system installed", 95),
    ];

    private readonly StorePaths paths;
    private readonly ImageStore images;

    /// <summary>Creates a builder over a store.</summary>
    public BaseImageBuilder(StorePaths paths)
    {
        this.paths = paths;
        images = new ImageStore(paths);
    }

    /// <summary>Bootstraps (unless done before) and builds the base image; returns image <c>SUITE</c>.</summary>
    public ImageInfo Build(BaseImageOptions options, IOperationSink sink, CancellationToken cancellationToken)
    {
        paths.EnsureExists();
        string suite = Names.Validate(options.Suite, "suite");
        IReadOnlyList<AptSource> hostSources = AptSources.ReadHost();
        string mirror = options.Mirror ?? AptSources.FindMirror(hostSources, suite)?.Uri ?? DefaultMirrorFor(options, hostSources)
            ?? throw new CcException(
                "MirrorNotFound",
                CcErrorKind.InvalidArgument,
                $"No {options.Distribution} mirror for '{suite}' was found in the host's apt sources. Give one with -Mirror.",
                suite);
        string? security = options.SecurityMirror ?? AptSources.FindSecurityMirror(hostSources, suite)?.Uri;

        string bootstrapName = suite + "-bootstrap";
        ImageInfo bootstrap;
        using (StoreLock.Acquire(paths.ImageLock(bootstrapName), cancellationToken))
        {
            bootstrap = images.TryGetCurrent(bootstrapName) ?? Bootstrap(bootstrapName, suite, mirror, options, sink, cancellationToken);
        }

        if (bootstrap.Version.Length > 0)
        {
            sink.Verbose($"Using bootstrap image '{bootstrap.Reference}'.");
        }

        return Upgrade(suite, bootstrap, mirror, security, options, sink, cancellationToken);
    }

    /// <summary>
    /// Returns the distribution the classic <c>cc-build-ubuntu-image</c> should bootstrap: Ubuntu,
    /// unless the host is not Ubuntu and its own apt sources serve the suite, which makes the
    /// suite one of the host's distribution (such as <c>bookworm</c> on a Debian host).
    /// </summary>
    public static Distribution GuessDistribution(string? suite)
    {
        OsRelease host = OsRelease.ReadHost();
        bool hostServesSuite = suite is not null && AptSources.FindMirror(AptSources.ReadHost(), suite) is not null;
        return hostServesSuite && host.Id == "debian" ? Distribution.Debian : Distribution.Ubuntu;
    }

    private static string? DefaultMirrorFor(BaseImageOptions options, IReadOnlyList<AptSource> hostSources)
    {
        OsRelease host = OsRelease.ReadHost();
        bool sameDistribution = string.Equals(host.Id, options.Distribution.ToString(), StringComparison.OrdinalIgnoreCase);
        return sameDistribution && !string.IsNullOrEmpty(host.Codename)
            ? AptSources.FindMirror(hostSources, host.Codename)?.Uri
            : null;
    }

    /// <summary>Runs the bootstrapper into a work folder and commits it as a base version; the caller holds the image lock.</summary>
    private ImageInfo Bootstrap(string imageName, string suite, string mirror, BaseImageOptions options, IOperationSink sink, CancellationToken cancellationToken)
    {
        string? program = options.PreferDebootstrap ? null : HostSetup.FindProgram("mmdebstrap");
        program ??= HostSetup.FindProgram("debootstrap") ?? throw new CcException(
            "BootstrapperNotFound",
            CcErrorKind.NotInstalled,
            "Neither mmdebstrap nor debootstrap is installed. Run Initialize-CcHost -InstallMissing.");
        bool isMmdebstrap = Path.GetFileName(program) == "mmdebstrap";
        string work = Path.Combine(paths.Root, "tmp", "bootstrap-" + Guid.NewGuid().ToString("N")[..12]);
        string target = Path.Combine(work, "diff");
        Directory.CreateDirectory(work);
        string components = options.Distribution == Distribution.Ubuntu ? "main,universe" : "main";
        var arguments = new List<string>
        {
            $"--variant={options.Variant}",
            isMmdebstrap ? $"--architectures={options.Architecture}" : $"--arch={options.Architecture}",
            $"--components={components}",
        };
        if (isMmdebstrap)
        {
            arguments.Add("--mode=root");
        }

        if (options.Include.Count > 0)
        {
            arguments.Add($"--include={string.Join(',', options.Include)}");
        }

        arguments.AddRange([suite, target, mirror]);

        string activity = $"Bootstrapping {options.Distribution} {suite} with {Path.GetFileName(program)}";
        sink.Progress(new ProgressUpdate(ActivityId, activity, "Starting", 0));
        int percent = 0;
        var lastLines = new Queue<string>();
        void OnLine(string line)
        {
            sink.Verbose(line);
            lastLines.Enqueue(line);
            if (lastLines.Count > 10)
            {
                lastLines.Dequeue();
            }

            foreach ((string marker, int stagePercent) in Stages)
            {
                if (line.Contains(marker, StringComparison.OrdinalIgnoreCase) && stagePercent > percent)
                {
                    percent = stagePercent;
                }
            }

            sink.Progress(new ProgressUpdate(ActivityId, activity, line.Length > 100 ? line[..100] : line, percent));
        }

        try
        {
            int exitCode = ExternalProcess.Run(program, arguments, StreamMode.Captured, OnLine, OnLine, TimeSpan.FromSeconds(20), cancellationToken);
            if (exitCode != 0)
            {
                throw new CcException(
                    "BootstrapFailed",
                    CcErrorKind.OperationFailed,
                    $"{Path.GetFileName(program)} failed with exit code {exitCode} for suite '{suite}' from '{mirror}'. Its last output: {string.Join(" | ", lastLines)}",
                    suite);
            }

            return images.Commit(imageName, target, parentPath: null, ImageConfig.Empty);
        }
        finally
        {
            DeleteWorkFolder(work);
            sink.Progress(new ProgressUpdate(ActivityId, activity, "Done", 100, Completed: true));
        }
    }

    private ImageInfo Upgrade(
        string suite,
        ImageInfo bootstrap,
        string mirror,
        string? security,
        BaseImageOptions options,
        IOperationSink sink,
        CancellationToken cancellationToken)
    {
        string components = options.Distribution == Distribution.Ubuntu ? "main universe restricted multiverse" : "main";
        var sources = new List<string>
        {
            $"deb {mirror} {suite} {components}",
            $"deb {mirror} {suite}-updates {components}",
        };
        if (security is not null)
        {
            sources.Add($"deb {security} {suite}-security {components}");
        }
        else
        {
            sink.Warning($"The host's apt sources name no security mirror for '{suite}', so image '{suite}' gets no security source.");
        }

        string script = string.Join(
            "\n",
            "set -e",
            "rm -f /etc/apt/sources.list /etc/apt/sources.list.d/*",
            $"printf '%s\\n' {string.Join(' ', sources.Select(s => "'" + s + "'"))} > /etc/apt/sources.list.d/cookie-cutter.list",
            "export DEBIAN_FRONTEND=noninteractive",
            "apt-get update -q",
            "apt-get dist-upgrade -y -q",
            "apt-get clean",
            "rm -rf /var/lib/apt/lists/*");

        string activity = $"Building image {suite}";
        sink.Progress(new ProgressUpdate(ActivityId + 1, activity, "Writing apt sources and upgrading", 10));
        string buildName = $"{suite}.build-{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}";
        var runner = new ContainerRunner(paths);
        var stepSink = new IndentingSink(sink);
        try
        {
            RunResult result = runner.Run(
                new RunOptions
                {
                    Image = new ImageReference(bootstrap.Name, bootstrap.Version.Length > 0 ? bootstrap.Version : null),
                    Name = buildName,
                    Command = ["/bin/sh", "-c", script],
                    CaptureErrors = true,
                },
                stepSink,
                cancellationToken);
            if (result.ExitCode != 0)
            {
                throw new CcException(
                    "BuildStepFailed",
                    CcErrorKind.OperationFailed,
                    $"Upgrading image '{suite}' failed with exit code {result.ExitCode}. Run with -Verbose to see the apt-get output.",
                    suite);
            }

            string diff = Path.Combine(paths.Container(buildName), "diff");
            File.Delete(Path.Combine(diff, "etc", "debian_chroot"));
            using (StoreLock.Acquire(paths.ImageLock(suite), CancellationToken.None))
            {
                ImageInfo image = images.Commit(suite, diff, bootstrap.Path, ImageConfig.Empty);
                images.CollectGarbage(suite, _ => true);
                return image;
            }
        }
        finally
        {
            var containers = new ContainerStore(paths, images);
            using (StoreLock.Acquire(paths.ContainerLock(buildName), CancellationToken.None))
            {
                containers.Remove(buildName);
            }

            sink.Progress(new ProgressUpdate(ActivityId + 1, activity, "Done", 100, Completed: true));
        }
    }

    private static void DeleteWorkFolder(string work)
    {
        foreach (string mountPoint in MountTable.Read().Where(m => MountTable.IsBelow(m, work)).Reverse())
        {
            Overlay.UnmountAny(mountPoint);
        }

        FileTree.Delete(work);
    }

    /// <summary>Shows a build step's output as indented information lines.</summary>
    private sealed class IndentingSink(IOperationSink inner) : IOperationSink
    {
        public void Output(string line) => inner.Verbose("  " + line);

        public void Information(string message) => inner.Information(message);

        public void ErrorLine(string line) => inner.Verbose("  " + line);

        public void Verbose(string message) => inner.Verbose(message);

        public void Warning(string message) => inner.Warning(message);

        public void Progress(ProgressUpdate update) => inner.Progress(update);

        public bool ShouldProcess(string target, string action) => inner.ShouldProcess(target, action);
    }
}
