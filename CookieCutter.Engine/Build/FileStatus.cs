using System.Text;
using Tmds.Linux;
using static Tmds.Linux.LibC;

namespace CookieCutter.Engine.Build;

/// <summary>Type of a file system entry, from the type bits of <c>st_mode</c>.</summary>
public enum FileKind
{
    /// <summary>A regular file.</summary>
    File,

    /// <summary>A directory.</summary>
    Directory,

    /// <summary>A symbolic link.</summary>
    SymbolicLink,

    /// <summary>A device, FIFO or socket.</summary>
    Special,
}

/// <summary>
/// What <c>lstat(2)</c> returns about one path, without following a final symbolic link.
/// </summary>
/// <param name="Kind">Type of the entry.</param>
/// <param name="Permissions">Permission bits, including set-user-id, set-group-id and sticky.</param>
/// <param name="Length">Size in bytes.</param>
/// <param name="UserId">Owner's user id.</param>
/// <param name="GroupId">Owner's group id.</param>
/// <param name="Device">Device number for character and block devices (overlay whiteouts are character devices 0:0).</param>
/// <param name="RawMode">The whole <c>st_mode</c>, type bits included.</param>
internal readonly record struct FileStatus(
    FileKind Kind,
    UnixFileMode Permissions,
    long Length,
    uint UserId,
    uint GroupId,
    ulong Device,
    uint RawMode)
{
    private const uint TypeMask = 0xF000;
    private const uint DirectoryType = 0x4000;
    private const uint RegularType = 0x8000;
    private const uint LinkType = 0xA000;

    /// <summary>Returns the status of a path, or null when it does not exist.</summary>
    public static unsafe FileStatus? TryRead(string path)
    {
        stat info;
        int result;
        fixed (byte* pathBytes = Encode(path))
        {
            result = lstat(pathBytes, &info);
        }

        if (result != 0)
        {
            return null;
        }

        uint mode = (uint)info.st_mode;
        FileKind kind = (mode & TypeMask) switch
        {
            DirectoryType => FileKind.Directory,
            RegularType => FileKind.File,
            LinkType => FileKind.SymbolicLink,
            _ => FileKind.Special,
        };
        return new FileStatus(kind, (UnixFileMode)(mode & 0xFFF), info.st_size, info.st_uid, info.st_gid, info.st_rdev, mode);
    }

    private static byte[] Encode(string path)
    {
        byte[] bytes = new byte[Encoding.UTF8.GetByteCount(path) + 1];
        Encoding.UTF8.GetBytes(path, bytes);
        return bytes;
    }
}
