using System.Globalization;
using System.Text.RegularExpressions;
using CookieCutter.Engine.Store;

namespace CookieCutter.Engine.Boot;

/// <summary>
/// The systemd-nspawn command line that boots a mounted container root, with the host and
/// image checks that it depends on.
/// </summary>
public static partial class NspawnCommand
{
    /// <summary>Program that boots the container.</summary>
    public const string Program = "systemd-nspawn";

    /// <summary>Maximum length of a machine name, which is a hostname.</summary>
    public const int MaxMachineNameLength = 64;

    [GeneratedRegex(
        "^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$",
        RegexOptions.CultureInvariant)]
    private static partial Regex HostName();

    /// <summary>
    /// Returns whether machines can be registered with systemd-machined: the host runs systemd
    /// as its init, so <c>/run/systemd/system</c> exists, and has the machined binary.
    /// </summary>
    public static bool CanRegister() =>
        Directory.Exists("/run/systemd/system") &&
        (File.Exists("/usr/lib/systemd/systemd-machined") || File.Exists("/lib/systemd/systemd-machined"));

    /// <summary>
    /// Returns the name unchanged when it can be a machine name and hostname, else throws
    /// <c>InvalidMachineName</c>. A valid name has at most 64 characters of letters, digits, '-'
    /// and '.', in dot-separated labels that start and end with a letter or digit.
    /// </summary>
    public static string ValidateMachineName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length <= MaxMachineNameLength && HostName().IsMatch(name))
        {
            return name;
        }

        throw new CcException(
            "InvalidMachineName",
            CcErrorKind.InvalidArgument,
            $"'{name}' is not a valid machine name: use at most 64 letters, digits, '-' and '.', " +
            "with no '_'. Give a valid name with -MachineName.",
            name);
    }

    /// <summary>
    /// Throws <c>SystemdMissing</c> unless the root has systemd and the <c>/sbin/init</c> that
    /// systemd-sysv installs. Returns false when dbus is missing, which only machinectl shell
    /// and similar tools need. Symbolic links that point outside the root count as missing.
    /// </summary>
    public static bool CheckImage(string root, string image)
    {
        bool hasSystemd = ExistsInside(root, "usr/lib/systemd/systemd") || ExistsInside(root, "lib/systemd/systemd");
        bool hasInit = ExistsInside(root, "sbin/init") || ExistsInside(root, "usr/sbin/init");
        if (!hasSystemd || !hasInit)
        {
            string missing = hasSystemd ? "no /sbin/init" : "no systemd";
            throw new CcException(
                "SystemdMissing",
                CcErrorKind.InvalidOperation,
                $"Image '{image}' cannot be booted because it has {missing}. Install the packages " +
                "systemd, systemd-sysv and (for machinectl shell) dbus in its spec, rebuild it, and boot again.",
                image);
        }

        return ExistsInside(root, "usr/bin/dbus-daemon") || ExistsInside(root, "usr/bin/dbus-broker");
    }

    /// <summary>Returns the systemd-nspawn arguments that boot a mounted root.</summary>
    /// <param name="root">Mounted container root.</param>
    /// <param name="machineName">Machine name and hostname.</param>
    /// <param name="volumes">Volumes, passed as <c>--bind</c> and <c>--bind-ro</c>.</param>
    /// <param name="register">Whether to register the machine with systemd-machined.</param>
    /// <param name="detach">Whether no terminal is attached to the console.</param>
    /// <param name="memoryLimit">Memory limit in bytes, passed as a unit property when registering.</param>
    /// <param name="cpuQuota">CPU quota in CPUs, passed as a unit property when registering.</param>
    /// <param name="extra">Caller's options, placed last so that they can add to ours.</param>
    public static List<string> Arguments(
        string root,
        string machineName,
        IReadOnlyList<VolumeSpec> volumes,
        bool register,
        bool detach,
        long? memoryLimit,
        double? cpuQuota,
        IReadOnlyList<string> extra)
    {
        var arguments = new List<string>
        {
            "--boot",
            "--directory=" + root,
            "--machine=" + machineName,
            "--hostname=" + machineName,
            "--link-journal=no",
        };
        if (register)
        {
            AddUnitProperties(arguments, memoryLimit, cpuQuota);
        }
        else
        {
            arguments.Add("--register=no");
            arguments.Add("--keep-unit");
        }

        if (detach)
        {
            arguments.Add("--console=passive");
        }

        foreach (VolumeSpec volume in volumes)
        {
            string option = volume.ReadOnly ? "--bind-ro=" : "--bind=";
            arguments.Add(option + Escape(volume.HostPath) + ":" + Escape(volume.ContainerPath));
        }

        arguments.AddRange(extra);
        return arguments;
    }

    /// <summary>Adds the limits as properties of the scope unit that systemd-machined creates.</summary>
    private static void AddUnitProperties(List<string> arguments, long? memoryLimit, double? cpuQuota)
    {
        // NOTE: never run so far, because the build machines have no systemd-machined.
        if (memoryLimit is long bytes)
        {
            arguments.Add("--property=MemoryMax=" + bytes.ToString(CultureInfo.InvariantCulture));
        }

        if (cpuQuota is double cpus)
        {
            string percent = Math.Round(cpus * 100).ToString(CultureInfo.InvariantCulture);
            arguments.Add("--property=CPUQuota=" + percent + "%");
        }
    }

    /// <summary>Escapes a path for --bind, which splits its value at ':' and reads backslash escapes.</summary>
    private static string Escape(string path) =>
        path.Replace("\\", "\\\\", StringComparison.Ordinal).Replace(":", "\\:", StringComparison.Ordinal);

    /// <summary>
    /// Returns whether a path exists below the root. Symbolic links are followed as the
    /// container would see them: an absolute target starts again at the root.
    /// </summary>
    private static bool ExistsInside(string root, string relative)
    {
        string current = root;
        var pending = new Queue<string>(relative.Split('/', StringSplitOptions.RemoveEmptyEntries));
        int links = 0;
        while (pending.TryDequeue(out string? part))
        {
            if (part == "..")
            {
                current = current.Length > root.Length ? Path.GetDirectoryName(current)! : root;
                continue;
            }

            string next = Path.Combine(current, part);
            var info = new FileInfo(next);
            if (info.LinkTarget is string target)
            {
                const int MaxLinks = 40;
                if (++links > MaxLinks)
                {
                    return false;
                }

                string rest = string.Join('/', pending);
                pending = new Queue<string>((target + "/" + rest).Split('/', StringSplitOptions.RemoveEmptyEntries));
                if (target.StartsWith('/'))
                {
                    current = root;
                }

                continue;
            }

            if (!info.Exists && !Directory.Exists(next))
            {
                return false;
            }

            current = next;
        }

        return true;
    }
}
