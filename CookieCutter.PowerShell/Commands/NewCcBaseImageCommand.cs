using System.Management.Automation;
using CookieCutter.Engine;
using CookieCutter.Engine.Bootstrap;
using CookieCutter.Engine.Host;
using CookieCutter.Engine.Store;
using CookieCutter.PowerShell.Internal;

namespace CookieCutter.PowerShell.Commands;

/// <summary>
/// Bootstraps a Debian or Ubuntu base image with mmdebstrap or debootstrap (the classic
/// <c>cc-build-ubuntu-image</c>, which defaults to Ubuntu).
/// </summary>
[Cmdlet(VerbsCommon.New, "CcBaseImage", SupportsShouldProcess = true)]
[Alias("cc-build-ubuntu-image")]
[OutputType(typeof(ImageInfo))]
public sealed class NewCcBaseImageCommand : CcCmdlet
{
    /// <summary>Release code name, such as bookworm or noble; the host's own when omitted.</summary>
    [Parameter(Position = 0)]
    public string? Suite { get; set; }

    /// <summary>Distribution: Debian, or Ubuntu (the default when called as cc-build-ubuntu-image).</summary>
    [Parameter]
    public Distribution Distribution { get; set; } = Distribution.Debian;

    /// <summary>Mirror address; by default the one the host's apt sources name.</summary>
    [Parameter]
    [Alias("m")]
    public string? Mirror { get; set; }

    /// <summary>Bootstrap variant: minbase (default), buildd or important.</summary>
    [Parameter]
    [ValidateSet("minbase", "buildd", "important", "essential", "apt", "required", "standard")]
    public string Variant { get; set; } = "minbase";

    /// <summary>Debian architecture name; amd64 by default.</summary>
    [Parameter]
    public string Architecture { get; set; } = "amd64";

    /// <summary>Extra packages the bootstrapper installs, such as procps; applies only when the bootstrap image is made.</summary>
    [Parameter]
    public string[] Include { get; set; } = [];

    /// <summary>Uses debootstrap even when mmdebstrap is installed.</summary>
    [Parameter]
    public SwitchParameter UseDebootstrap { get; set; }

    /// <inheritdoc/>
    protected override void EndProcessing()
    {
        try
        {
            Distribution distribution = Distribution;
            if (!MyInvocation.BoundParameters.ContainsKey(nameof(Distribution)) && MyInvocation.InvocationName == "cc-build-ubuntu-image")
            {
                distribution = BaseImageBuilder.GuessDistribution(Suite);
                WriteVerbose($"cc-build-ubuntu-image: bootstrapping {distribution}, the distribution whose mirror the host's apt sources name for '{Suite}'.");
            }

            string suite = Suite ?? DefaultSuite(distribution);
            if (!ShouldProcess(suite, $"Bootstrap {distribution} base image"))
            {
                return;
            }

            var options = new BaseImageOptions
            {
                Distribution = distribution,
                Suite = suite,
                Mirror = Mirror,
                Variant = Variant,
                Architecture = Architecture,
                PreferDebootstrap = UseDebootstrap.IsPresent,
                Include = Include,
            };
            var builder = new BaseImageBuilder(Store);
            WriteObject(RunOperation((sink, token) => builder.Build(options, sink, token)));
        }
        catch (CcException error)
        {
            ThrowCcError(error);
        }
    }

    private static string DefaultSuite(Distribution distribution)
    {
        OsRelease host = OsRelease.ReadHost();
        if (string.Equals(host.Id, distribution.ToString(), StringComparison.OrdinalIgnoreCase) && host.Codename.Length > 0)
        {
            return host.Codename;
        }

        throw new CcException(
            "SuiteMissing",
            CcErrorKind.InvalidArgument,
            $"The host is not {distribution}, so there is no default suite. Give one, for example: New-CcBaseImage bookworm -Distribution Debian.");
    }
}
