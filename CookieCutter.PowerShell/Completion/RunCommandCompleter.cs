using CookieCutter.PowerShell.Commands;

namespace CookieCutter.PowerShell.Completion;

/// <summary>
/// Completes the image in an Invoke-CcRun command line, such as <c>cc-run --rm IMAGE CMD</c>,
/// when the image is not given with -Image.
/// </summary>
public sealed class RunCommandCompleter : CommandTargetCompleter
{
    /// <summary>Creates the completer.</summary>
    public RunCommandCompleter()
        : base(typeof(InvokeCcRunCommand), "Image", new ImageNameCompleter())
    {
    }
}
