using CookieCutter.PowerShell.Commands;

namespace CookieCutter.PowerShell.Completion;

/// <summary>
/// Completes the container in an Invoke-CcExec command line, such as
/// <c>cc-exec CONTAINER CMD</c>, when the container is not given with -Name.
/// </summary>
public sealed class ExecCommandCompleter : CommandTargetCompleter
{
    /// <summary>Creates the completer.</summary>
    public ExecCommandCompleter()
        : base(typeof(InvokeCcExecCommand), "Name", new ContainerNameCompleter())
    {
    }
}
