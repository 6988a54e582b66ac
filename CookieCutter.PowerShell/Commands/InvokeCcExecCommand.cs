using System.Collections;
using System.Management.Automation;
using CookieCutter.Engine;
using CookieCutter.Engine.Run;
using CookieCutter.Engine.Store;
using CookieCutter.PowerShell.Completion;
using CookieCutter.PowerShell.Internal;

namespace CookieCutter.PowerShell.Commands;

/// <summary>
/// Runs a command in an existing container (the classic <c>cc-exec</c>).
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "CcExec")]
[Alias("cc-exec")]
[OutputType(typeof(string))]
public sealed class InvokeCcExecCommand : ContainerCommandCmdlet
{
    private static readonly string[] OwnParameters =
        ["Name", "Environment", "WorkingDirectory", "User", "Interactive", "StopTimeout"];

    /// <summary>Name of the container; usually the first positional word, or from the pipeline.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ContainerNameCompleter))]
    public string? Name { get; set; }

    /// <summary>Command and its arguments, passed to the container unchanged.</summary>
    [Parameter(Position = 0, ValueFromRemainingArguments = true)]
    [ArgumentCompleter(typeof(ExecCommandCompleter))]
    [AllowEmptyString]
    [AllowEmptyCollection]
    [AllowNull]
    public object[] Command { get; set; } = [];

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

    /// <summary>Seconds between SIGTERM and SIGKILL when the command is stopped.</summary>
    [Parameter]
    [ValidateRange(0, 3600)]
    public int StopTimeout { get; set; } = ContainerStore.DefaultGraceSeconds;

    /// <summary>Catches short container flags that PowerShell would match to a parameter by prefix.</summary>
    [Parameter(DontShow = true)]
    [Alias("c", "co", "d", "de", "e", "en", "er", "i", "in", "n", "na", "o", "ou", "p", "pi", "pr", "s", "st", "u", "us", "v", "ve", "w", "wo")]
    public SwitchParameter CommandFlag { get; set; }

    /// <inheritdoc/>
    protected override bool CommandFlagCaught => CommandFlag.IsPresent;

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        try
        {
            ContainerCommandLine line = ParseCommandLine(MyInvocation.BoundParameters.ContainsKey("Name") ? Name : null, ToWords(Command), acceptMachineName: false, OwnParameters, out HashSet<string> ignored);
            bool Given(string parameter) => MyInvocation.BoundParameters.ContainsKey(parameter) && !ignored.Contains(parameter);
            string name = line.Target ?? throw new CcException("ContainerMissing", CcErrorKind.InvalidArgument, "Give the container to run the command in.");
            var options = new ExecOptions
            {
                Command = line.Command,
                Environment = Given("Environment") ? Hashtables.ToDictionary(Environment) : new Dictionary<string, string>(),
                WorkingDirectory = Given("WorkingDirectory") ? WorkingDirectory : null,
                User = Given("User") ? User : null,
                Interactive = (Given("Interactive") && Interactive.IsPresent) || WantsTerminal(line.Command),
                Term = System.Environment.GetEnvironmentVariable("TERM") ?? "xterm",
                Grace = TimeSpan.FromSeconds(Given("StopTimeout") ? StopTimeout : ContainerStore.DefaultGraceSeconds),
            };
            var runner = new ContainerRunner(Store);
            int exitCode = RunOperation((sink, token) => runner.Exec(name, options, sink, token));
            ReportExitCode(name, exitCode);
        }
        catch (CcException error)
        {
            WriteCcError(error);
        }
    }
}
