using System.Collections;
using System.Management.Automation;
using CookieCutter.Engine;
using CookieCutter.Engine.Run;
using CookieCutter.Engine.Store;
using CookieCutter.PowerShell.Completion;
using CookieCutter.PowerShell.Internal;

namespace CookieCutter.PowerShell.Commands;

/// <summary>
/// Creates a container from an image and runs a command in it (the classic <c>cc-run</c>).
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "CcRun")]
[Alias("cc-run")]
[OutputType(typeof(string), typeof(ContainerInfo))]
public sealed class InvokeCcRunCommand : ContainerCommandCmdlet
{
    private static readonly string[] OwnParameters =
    [
        "Image", "Name", "Rm", "Volume", "Environment", "WorkingDirectory", "User", "Interactive", "Network",
        "PassThru", "MemoryLimit", "CpuQuota", "StopTimeout",
    ];

    /// <summary>
    /// Image to create the container from, as NAME or NAME@VERSION. Usually the first positional
    /// word; the parameter is named so that images can also come from the pipeline.
    /// </summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("Reference")]
    [ArgumentCompleter(typeof(ImageNameCompleter))]
    public string? Image { get; set; }

    /// <summary>Command and its arguments, passed to the container unchanged.</summary>
    [Parameter(Position = 0, ValueFromRemainingArguments = true)]
    [ArgumentCompleter(typeof(RunCommandCompleter))]
    [AllowEmptyString]
    [AllowEmptyCollection]
    [AllowNull]
    public object[] Command { get; set; } = [];

    /// <summary>Container name; without it the container is anonymous and removed afterwards.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(ContainerNameCompleter))]
    public string? Name { get; set; }

    /// <summary>Removes the container when the command ends.</summary>
    [Parameter]
    public SwitchParameter Rm { get; set; }

    /// <summary>Volumes as HOST:CONTAINER or HOST:CONTAINER:ro.</summary>
    [Parameter]
    [Alias("v")]
    public string[] Volume { get; set; } = [];

    /// <summary>Environment variables for the command.</summary>
    [Parameter]
    public Hashtable? Environment { get; set; }

    /// <summary>Working directory inside the container.</summary>
    [Parameter]
    public string? WorkingDirectory { get; set; }

    /// <summary>User to run as: a name or uid, optionally with :GROUP.</summary>
    [Parameter]
    public string? User { get; set; }

    /// <summary>Hands the terminal to the command.</summary>
    [Parameter]
    public SwitchParameter Interactive { get; set; }

    /// <summary>Network of the container: Host (default) or None.</summary>
    [Parameter]
    public NetworkMode Network { get; set; } = NetworkMode.Host;

    /// <summary>Returns the container object, with the exit code, after the command ends.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>Memory limit in bytes.</summary>
    [Parameter]
    [ValidateRange(1L, long.MaxValue)]
    public long MemoryLimit { get; set; }

    /// <summary>CPU quota in CPUs (1.5 is one and a half CPUs).</summary>
    [Parameter]
    [ValidateRange(0.01, 1024.0)]
    public double CpuQuota { get; set; }

    /// <summary>Seconds between SIGTERM and SIGKILL when the run is stopped.</summary>
    [Parameter]
    [ValidateRange(0, 3600)]
    public int StopTimeout { get; set; } = ContainerStore.DefaultGraceSeconds;

    /// <summary>Catches short container flags that PowerShell would match to a parameter by prefix.</summary>
    [Parameter(DontShow = true)]
    [Alias("c", "co", "cp", "d", "de", "e", "en", "er", "i", "im", "in", "m", "me", "n", "na", "ne", "o", "ou", "p", "pa", "pi", "pr", "r", "s", "st", "u", "us", "ve", "vo", "w", "wo")]
    public SwitchParameter CommandFlag { get; set; }

    /// <inheritdoc/>
    protected override bool CommandFlagCaught => CommandFlag.IsPresent;

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        try
        {
            ContainerCommandLine line = ParseCommandLine(MyInvocation.BoundParameters.ContainsKey("Image") ? Image : null, ToWords(Command), acceptMachineName: false, OwnParameters, out HashSet<string> ignored);
            bool Given(string parameter) => MyInvocation.BoundParameters.ContainsKey(parameter) && !ignored.Contains(parameter);

            var volumes = (Given("Volume") ? Volume : []).Concat(line.Volumes).Select(VolumeSpec.Parse).ToList();
            var options = new RunOptions
            {
                Image = ImageReference.Parse(line.Target ?? throw new CcException("ImageMissing", CcErrorKind.InvalidArgument, "Give the image to run.")),
                Command = line.Command,
                Name = line.Name ?? (Given("Name") ? Name : null),
                Remove = line.Remove || (Given("Rm") && Rm.IsPresent),
                Volumes = volumes,
                Environment = Given("Environment") ? Hashtables.ToDictionary(Environment) : new Dictionary<string, string>(),
                WorkingDirectory = Given("WorkingDirectory") ? WorkingDirectory : null,
                User = Given("User") ? User : null,
                Interactive = (Given("Interactive") && Interactive.IsPresent) || WantsTerminal(line.Command),
                Network = Given("Network") ? Network : NetworkMode.Host,
                Term = System.Environment.GetEnvironmentVariable("TERM") ?? "xterm",
                Grace = TimeSpan.FromSeconds(Given("StopTimeout") ? StopTimeout : ContainerStore.DefaultGraceSeconds),
                MemoryLimit = Given("MemoryLimit") ? MemoryLimit : null,
                CpuQuota = Given("CpuQuota") ? CpuQuota : null,
            };

            var runner = new ContainerRunner(Store);
            RunResult result = RunOperation((sink, token) => runner.Run(options, sink, token));
            ReportExitCode(result.Name, result.ExitCode);
            if (PassThru.IsPresent)
            {
                WriteObject(result.Container ?? (object)result);
            }
        }
        catch (CcException error)
        {
            WriteCcError(error);
        }
    }
}
