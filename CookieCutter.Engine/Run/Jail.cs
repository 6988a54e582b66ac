namespace CookieCutter.Engine.Run;

/// <summary>
/// Location of the <c>cc-jail</c> helper that creates the namespaces and enters the container
/// root. It is built by build.ps1 next to the engine assembly; <c>COOKIECUTTER_JAIL</c> overrides it.
/// </summary>
public static class Jail
{
    /// <summary>Exit code with which the helper reports that it could not set the container up.</summary>
    public const int SetupFailedExitCode = 125;

    /// <summary>Full path of the helper; throws <c>JailHelperNotFound</c> when it is missing.</summary>
    public static string Path
    {
        get
        {
            string? configured = System.Environment.GetEnvironmentVariable("COOKIECUTTER_JAIL");
            string path = string.IsNullOrEmpty(configured)
                ? System.IO.Path.Combine(System.IO.Path.GetDirectoryName(typeof(Jail).Assembly.Location)!, "cc-jail")
                : configured;
            if (!File.Exists(path))
            {
                throw new CcException(
                    "JailHelperNotFound",
                    CcErrorKind.NotInstalled,
                    $"The container helper '{path}' is missing. Run ./build.ps1 to build it.",
                    path);
            }

            return path;
        }
    }
}
