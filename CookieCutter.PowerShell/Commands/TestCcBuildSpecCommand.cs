using System.Management.Automation;
using CookieCutter.Engine;
using CookieCutter.Engine.Build;
using CookieCutter.Engine.Spec;
using CookieCutter.PowerShell.Completion;
using CookieCutter.PowerShell.Internal;

namespace CookieCutter.PowerShell.Commands;

/// <summary>
/// Parses a build spec without building it: writes its steps, or one error per syntax error
/// with the file, line, column and instruction.
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "CcBuildSpec")]
[OutputType(typeof(SpecStep))]
public sealed class TestCcBuildSpecCommand : CcCmdlet
{
    /// <summary>Path of the spec file.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    [ArgumentCompleter(typeof(SpecFileCompleter))]
    public string Path { get; set; } = string.Empty;

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        try
        {
            SpecParseResult result = ImageBuilder.Check(GetUnresolvedProviderPathFromPSPath(Path));
            WriteObject(result.Steps, enumerateCollection: true);
            foreach (SpecError error in result.Errors)
            {
                var exception = new CcException("InvalidBuildSpec", CcErrorKind.InvalidArgument, error.ToString(), error);
                WriteError(new ErrorRecord(exception, exception.ErrorId, ErrorCategory.ParserError, error));
            }
        }
        catch (CcException error)
        {
            WriteCcError(error);
        }
    }
}
