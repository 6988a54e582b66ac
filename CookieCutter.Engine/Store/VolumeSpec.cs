namespace CookieCutter.Engine.Store;

/// <summary>
/// A volume: a host file or directory bind-mounted at a path inside the container.
/// </summary>
public sealed record VolumeSpec(string HostPath, string ContainerPath, bool ReadOnly)
{
    /// <summary>
    /// Parses <c>HOST:CONTAINER[:ro|:rw]</c>. The host path must exist and both paths must be
    /// absolute; the container path must not contain <c>..</c>, so it cannot leave the root.
    /// Control characters are rejected because the container's <c>volumes</c> file stores one
    /// volume per line.
    /// </summary>
    public static VolumeSpec Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Any(char.IsControl))
        {
            throw Invalid(text, "it contains a control character such as a newline");
        }

        string[] parts = text.Split(':');
        bool readOnly = false;
        if (parts.Length == 3 && (parts[2] == "ro" || parts[2] == "rw"))
        {
            readOnly = parts[2] == "ro";
        }
        else if (parts.Length != 2)
        {
            throw Invalid(text, "expected HOST:CONTAINER or HOST:CONTAINER:ro");
        }

        string host = parts[0];
        string container = parts[1];
        if (!Path.IsPathRooted(host) || !Path.IsPathRooted(container))
        {
            throw Invalid(text, "both paths must be absolute");
        }

        if (container.Split('/').Any(segment => segment == ".."))
        {
            throw Invalid(text, "the container path must not contain '..'");
        }

        if (!File.Exists(host) && !Directory.Exists(host))
        {
            throw new CcException(
                "VolumeSourceNotFound",
                CcErrorKind.NotFound,
                $"The host path '{host}' of volume '{text}' does not exist. Create it first.",
                text);
        }

        string normalized = "/" + string.Join('/', container.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(s => s != "."));
        if (normalized == "/")
        {
            throw Invalid(text, "the container path must not be the container root");
        }

        return new VolumeSpec(Path.GetFullPath(host), normalized, readOnly);
    }

    /// <inheritdoc/>
    public override string ToString() => ReadOnly ? $"{HostPath}:{ContainerPath}:ro" : $"{HostPath}:{ContainerPath}";

    private static CcException Invalid(string text, string reason) =>
        new("InvalidVolume", CcErrorKind.InvalidArgument, $"The volume '{text}' is invalid: {reason}.", text);
}
