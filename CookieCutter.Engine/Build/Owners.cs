using System.Globalization;

namespace CookieCutter.Engine.Build;

/// <summary>
/// Resolution of <c>COPY --chown=USER[:GROUP]</c> to numeric ids with the image's own
/// <c>/etc/passwd</c> and <c>/etc/group</c>. As in Docker, a user given without a group gets
/// the group id equal to its user id.
/// </summary>
internal static class Owners
{
    public static (uint User, uint Group) Resolve(string root, string owner)
    {
        string[] parts = owner.Split(':', 2);
        uint user = Lookup(root, "/etc/passwd", parts[0], "user", owner);
        uint group = parts.Length == 2 ? Lookup(root, "/etc/group", parts[1], "group", owner) : user;
        return (user, group);
    }

    private static uint Lookup(string root, string database, string name, string what, string owner)
    {
        if (uint.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out uint id))
        {
            return id;
        }

        string file = RootedPath.Resolve(root, database);
        if (File.Exists(file))
        {
            foreach (string line in File.ReadLines(file))
            {
                string[] fields = line.Split(':');
                if (fields.Length >= 3 && fields[0] == name &&
                    uint.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out uint found))
                {
                    return found;
                }
            }
        }

        throw new CcException(
            "UnknownOwner",
            CcErrorKind.NotFound,
            $"The {what} '{name}' of --chown={owner} is not in the image's {database}. Create it in an earlier RUN step, or give a number.",
            owner);
    }
}
