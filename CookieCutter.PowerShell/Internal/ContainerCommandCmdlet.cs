using System.Management.Automation;
using CookieCutter.Engine;

namespace CookieCutter.PowerShell.Internal;

/// <summary>
/// Base of the cmdlets that take a container command as their remaining arguments
/// (Invoke-CcRun, Invoke-CcExec, Start-CcBoot). It reads the classic <c>--rm</c>, <c>--name</c>
/// and <c>-v</c> spellings and makes sure that no word of the container command is taken as
/// one of the cmdlet's own parameters.
/// </summary>
public abstract class ContainerCommandCmdlet : CcCmdlet
{
    /// <summary>
    /// Catches short words such as <c>-n</c> or <c>-c</c> that PowerShell would otherwise match to
    /// a parameter by prefix. Each derived cmdlet declares it with the aliases that apply to it.
    /// </summary>
    protected abstract bool CommandFlagCaught { get; }

    /// <summary>Returns the command line split into classic options, target and command.</summary>
    /// <param name="target">The target given by name or from the pipeline, or null when it is the first positional word.</param>
    /// <param name="remaining">The positional words.</param>
    /// <param name="acceptMachineName">Whether <c>-M NAME</c> is a classic option here.</param>
    /// <param name="ownParameters">Parameter names a word after the target could have bound to.</param>
    /// <param name="boundAfterTarget">Receives our parameters that PowerShell bound from words after the target.</param>
    private protected ContainerCommandLine ParseCommandLine(
        string? target,
        string[]? remaining,
        bool acceptMachineName,
        IEnumerable<string> ownParameters,
        out HashSet<string> boundAfterTarget)
    {
        bool targetIsPositional = target is null;
        ContainerCommandLine line = ContainerCommandLine.Parse(
            targetIsPositional ? remaining ?? [] : new[] { target, "--" }.Concat(remaining ?? []),
            acceptMachineName);
        boundAfterTarget = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        if (line.Target is null)
        {
            return line;
        }

        List<string>? typed = ContainerCommandLine.RecoverFromSource(
            MyInvocation,
            targetIsPositional,
            name => SessionState.PSVariable.GetValue(name),
            out bool parameterAfterTarget);
        if (typed is not null && !typed.SequenceEqual(line.Command, StringComparer.Ordinal))
        {
            foreach (string word in typed.Where(w => w.StartsWith('-') && !w.StartsWith("--", StringComparison.Ordinal) && w.Length > 1))
            {
                string prefix = word.TrimStart('-').Split(':')[0];
                foreach (string parameter in ownParameters.Where(p => p.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)))
                {
                    boundAfterTarget.Add(parameter);
                }
            }

            line.Command.Clear();
            line.Command.AddRange(typed);
            return line;
        }

        if (CommandFlagCaught || (typed is null && parameterAfterTarget))
        {
            throw new CcException(
                "AmbiguousContainerArgument",
                CcErrorKind.InvalidArgument,
                $"A word of the container command starts with '-' and would be taken as a parameter of {MyInvocation.MyCommand.Name}. " +
                $"Put the command after '--', for example: {MyInvocation.InvocationName} {line.Target} -- {string.Join(' ', line.Command.DefaultIfEmpty("COMMAND"))} ...",
                line.Target);
        }

        return line;
    }

    /// <summary>
    /// Converts the remaining arguments to strings. A bare word list such as <c>pid,args</c> is an
    /// array to PowerShell; it is joined with commas again, as it was typed.
    /// </summary>
    protected static string[] ToWords(object[]? arguments) =>
        (arguments ?? []).Select(argument => argument switch
        {
            null => string.Empty,
            string text => text,
            System.Collections.IEnumerable items => string.Join(',', items.Cast<object?>().Select(i => Convert.ToString(PSObject.AsPSObject(i).BaseObject, System.Globalization.CultureInfo.InvariantCulture))),
            _ => Convert.ToString(PSObject.AsPSObject(argument).BaseObject, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty,
        }).ToArray();

    /// <summary>Records a command's exit code in <c>$LASTEXITCODE</c> and writes <c>ContainerCommandFailed</c> when it is not zero.</summary>
    protected void ReportExitCode(string container, int exitCode)
    {
        SessionState.PSVariable.Set("global:LASTEXITCODE", exitCode);
        if (exitCode != 0)
        {
            var error = new CcException(
                "ContainerCommandFailed",
                CcErrorKind.OperationFailed,
                $"The command in container '{container}' exited with code {exitCode}.",
                container);
            WriteError(ToErrorRecord(error));
        }
    }

    /// <summary>
    /// Returns whether the terminal should be handed over without -Interactive: a shell with no
    /// <c>-c</c> started alone in its pipeline while standard input and output are a terminal.
    /// </summary>
    protected bool WantsTerminal(IReadOnlyList<string> command)
    {
        if (command.Count == 0 || Console.IsInputRedirected || Console.IsOutputRedirected || MyInvocation.PipelineLength != 1)
        {
            return false;
        }

        string program = Path.GetFileName(command[0]);
        bool shell = program is "bash" or "sh" or "dash" or "zsh" or "ash" or "fish" or "ksh";
        return shell && !command.Skip(1).Any(a => a.StartsWith('-') && a.TrimStart('-').Contains('c', StringComparison.Ordinal));
    }
}
