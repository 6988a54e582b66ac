using System.Collections;
using System.Management.Automation;
using CookieCutter.Engine;
using CookieCutter.Engine.Build;
using CookieCutter.Engine.Store;
using CookieCutter.PowerShell.Completion;
using CookieCutter.PowerShell.Internal;

namespace CookieCutter.PowerShell.Commands;

/// <summary>
/// Builds a new version of an image from a spec and a build context folder (the classic
/// <c>cc-build</c>). Unchanged steps come from the step cache.
/// </summary>
[Cmdlet(VerbsCommon.New, "CcImage", SupportsShouldProcess = true)]
[Alias("cc-build")]
[OutputType(typeof(ImageInfo))]
public sealed class NewCcImageCommand : CcCmdlet
{
    /// <summary>Name of the image that gets the new version.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ArgumentCompleter(typeof(ImageNameCompleter))]
    public string Name { get; set; } = string.Empty;

    /// <summary>Path of the spec file, such as my-app.ccspec.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ArgumentCompleter(typeof(SpecFileCompleter))]
    public string Spec { get; set; } = string.Empty;

    /// <summary>Folder that COPY reads files from; a .ccignore file in it excludes files.</summary>
    [Parameter(Mandatory = true, Position = 2)]
    public string Context { get; set; } = string.Empty;

    /// <summary>Values for the spec's ARG instructions, as a hashtable of names and values.</summary>
    [Parameter]
    public Hashtable? BuildArgument { get; set; }

    /// <summary>Runs every step again instead of reusing cached layers.</summary>
    [Parameter]
    public SwitchParameter NoCache { get; set; }

    /// <summary>Leaves out the step echoes and the output of the steps' commands.</summary>
    [Parameter]
    [Alias("q")]
    public SwitchParameter Quiet { get; set; }

    /// <summary>Opens a shell in the build container when a step fails, to look at what went wrong; the build still fails afterwards.</summary>
    [Parameter]
    [Alias("d")]
    public SwitchParameter DebugOnFailure { get; set; }

    /// <inheritdoc/>
    protected override void EndProcessing()
    {
        try
        {
            if (!ShouldProcess(Name, "Build image"))
            {
                return;
            }

            var options = new BuildOptions
            {
                Name = Name,
                SpecPath = GetUnresolvedProviderPathFromPSPath(Spec),
                ContextPath = GetUnresolvedProviderPathFromPSPath(Context),
                BuildArguments = Hashtables.ToDictionary(BuildArgument),
                NoCache = NoCache.IsPresent,
                Quiet = Quiet.IsPresent,
                DebugOnFailure = DebugOnFailure.IsPresent,
            };
            var builder = new ImageBuilder(Store);
            WriteObject(RunOperation((sink, token) => builder.Build(options, sink, token)));
        }
        catch (CcException error)
        {
            ThrowCcError(error);
        }
    }
}
