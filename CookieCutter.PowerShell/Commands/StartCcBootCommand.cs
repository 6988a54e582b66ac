using System.Management.Automation;
using CookieCutter.Engine;
using CookieCutter.Engine.Boot;
using CookieCutter.Engine.Store;
using CookieCutter.PowerShell.Completion;
using CookieCutter.PowerShell.Internal;

namespace CookieCutter.PowerShell.Commands;

/// <summary>
/// Creates a container from an image and boots the image's systemd in it with systemd-nspawn
/// (the classic <c>cc-boot</c>).
/// </summary>
[Cmdlet(VerbsLifecycle.Start, "CcBoot")]
[Alias("cc-boot")]
[OutputType(typeof(ContainerInfo))]
public sealed class StartCcBootCommand : CcCmdlet
{
    /// <summary>Image to boot, as NAME or NAME@VERSION; it needs systemd, systemd-sysv and dbus.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Reference")]
    [ArgumentCompleter(typeof(ImageNameCompleter))]
    public string Image { get; set; } = string.Empty;

    /// <summary>
    /// Further systemd-nspawn options, passed unchanged. The classic --rm, --name NAME, -M NAME
    /// and --machine NAME are read here too. Put options with a single '-' after '--'.
    /// </summary>
    [Parameter(Position = 1, ValueFromRemainingArguments = true)]
    [AllowEmptyString]
    [AllowEmptyCollection]
    public string[] NspawnArgument { get; set; } = [];

    /// <summary>Container name. Without it the container is anonymous and removed when it shuts down.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(ContainerNameCompleter))]
    public string? Name { get; set; }

    /// <summary>Removes the container when it shuts down.</summary>
    [Parameter]
    public SwitchParameter Rm { get; set; }

    /// <summary>Volumes as HOST:CONTAINER or HOST:CONTAINER:ro.</summary>
    [Parameter]
    [Alias("v")]
    public string[] Volume { get; set; } = [];

    /// <summary>Machine name and hostname of the container; the container name by default.</summary>
    [Parameter]
    [Alias("M")]
    public string? MachineName { get; set; }

    /// <summary>
    /// Returns the container once it has booted and leaves it running, instead of attaching the
    /// terminal to its console.
    /// </summary>
    [Parameter]
    public SwitchParameter Detach { get; set; }

    /// <summary>Seconds a detached boot may take before it fails and the container is stopped.</summary>
    [Parameter]
    [ValidateRange(1, 3600)]
    public int Timeout { get; set; } = 60;

    /// <summary>Memory limit in bytes, swap included; processes that allocate more are killed.</summary>
    [Parameter]
    [ValidateRange(1L, long.MaxValue)]
    public long MemoryLimit { get; set; }

    /// <summary>CPU quota in CPUs (1.5 is one and a half CPUs).</summary>
    [Parameter]
    [ValidateRange(0.01, 1024.0)]
    public double CpuQuota { get; set; }

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        try
        {
            ContainerCommandLine line = ContainerCommandLine.Parse(
                new[] { Image }.Concat(NspawnArgument),
                acceptMachineName: true);
            var classic = ClassicOptions.Extract(line.Command);
            string target = line.Target ?? throw new CcException(
                "ImageMissing",
                CcErrorKind.InvalidArgument,
                "The image is missing. Give the image to boot as the first argument.");
            bool Given(string parameter) => MyInvocation.BoundParameters.ContainsKey(parameter);

            var options = new BootOptions
            {
                Image = ImageReference.Parse(target),
                Name = classic.Name ?? line.Name ?? Name,
                Remove = line.Remove || classic.Remove || Rm.IsPresent,
                Volumes = Volume.Concat(line.Volumes).Select(VolumeSpec.Parse).ToList(),
                MachineName = classic.MachineName ?? line.MachineName ?? MachineName,
                Detach = Detach.IsPresent,
                Timeout = TimeSpan.FromSeconds(Timeout),
                MemoryLimit = Given(nameof(MemoryLimit)) ? MemoryLimit : null,
                CpuQuota = Given(nameof(CpuQuota)) ? CpuQuota : null,
                NspawnArguments = classic.Rest,
            };

            var booter = new ContainerBooter(Store);
            BootResult result = RunOperation((sink, token) => booter.Boot(options, sink, token));
            if (options.Detach)
            {
                WriteObject(result.Container);
                return;
            }

            SessionState.PSVariable.Set("global:LASTEXITCODE", result.ExitCode);
            if (result.ExitCode != 0)
            {
                WriteCcError(new CcException(
                    "BootExitFailed",
                    CcErrorKind.OperationFailed,
                    $"systemd-nspawn exited with code {result.ExitCode} for container '{result.Name}'.",
                    result.Name));
            }
        }
        catch (CcException error)
        {
            WriteCcError(error);
        }
    }

    /// <summary>The classic cc-boot options found among the systemd-nspawn options, and the rest.</summary>
    private sealed class ClassicOptions
    {
        public bool Remove { get; private set; }

        public string? Name { get; private set; }

        public string? MachineName { get; private set; }

        public List<string> Rest { get; } = [];

        public static ClassicOptions Extract(IReadOnlyList<string> words)
        {
            var options = new ClassicOptions();
            for (int i = 0; i < words.Count; i++)
            {
                string word = words[i];
                string? Value() => i + 1 < words.Count
                    ? words[++i]
                    : throw new CcException(
                        "OptionValueMissing",
                        CcErrorKind.InvalidArgument,
                        $"The option '{word}' needs a value.",
                        word);

                if (word == "--rm")
                {
                    options.Remove = true;
                }
                else if (word == "--name")
                {
                    options.Name = Value();
                }
                else if (word.StartsWith("--name=", StringComparison.Ordinal))
                {
                    options.Name = word["--name=".Length..];
                }
                else if (word is "-M" or "--machine")
                {
                    options.MachineName = Value();
                }
                else if (word.StartsWith("--machine=", StringComparison.Ordinal))
                {
                    options.MachineName = word["--machine=".Length..];
                }
                else
                {
                    options.Rest.Add(word);
                }
            }

            return options;
        }
    }
}
