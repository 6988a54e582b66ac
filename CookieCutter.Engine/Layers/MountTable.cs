namespace CookieCutter.Engine.Layers;

/// <summary>
/// The mount points of this process's mount namespace, read from <c>/proc/self/mountinfo</c>.
/// </summary>
public static class MountTable
{
    /// <summary>Returns every mount point, in mount order, with octal escapes decoded.</summary>
    public static IReadOnlyList<string> Read()
    {
        var points = new List<string>();
        foreach (string line in File.ReadLines("/proc/self/mountinfo"))
        {
            string[] fields = line.Split(' ');
            if (fields.Length > 4)
            {
                points.Add(Unescape(fields[4]));
            }
        }

        return points;
    }

    /// <summary>Returns whether a path is a mount point.</summary>
    public static bool IsMountPoint(string path)
    {
        string full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        return Read().Contains(full, StringComparer.Ordinal);
    }

    /// <summary>Returns whether <paramref name="path"/> is <paramref name="folder"/> or lies below it.</summary>
    public static bool IsBelow(string path, string folder)
    {
        string parent = Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder));
        return path == parent || path.StartsWith(parent + "/", StringComparison.Ordinal);
    }

    private static string Unescape(string field)
    {
        if (!field.Contains('\\', StringComparison.Ordinal))
        {
            return field;
        }

        var builder = new System.Text.StringBuilder(field.Length);
        for (int i = 0; i < field.Length; i++)
        {
            if (field[i] == '\\' && i + 3 < field.Length)
            {
                builder.Append((char)Convert.ToInt32(field.Substring(i + 1, 3), 8));
                i += 3;
            }
            else
            {
                builder.Append(field[i]);
            }
        }

        return builder.ToString();
    }
}
