using System.Text;
using static Tmds.Linux.LibC;

namespace CookieCutter.Engine.Build;

/// <summary>System calls that COPY needs and .NET lacks.</summary>
internal static unsafe class HostCalls
{
    /// <summary>Sets the owner of a path without following a final symbolic link.</summary>
    public static void ChangeOwner(string path, uint userId, uint groupId)
    {
        int result;
        fixed (byte* pathBytes = Encode(path))
        {
            result = lchown(pathBytes, userId, groupId);
        }

        if (result != 0)
        {
            throw new CcException(
                "CopyFailed",
                CcErrorKind.OperationFailed,
                $"Cannot change the owner of '{path}' to {userId}:{groupId} (errno {Tmds.Linux.LibC.errno}).",
                path);
        }
    }

    private static byte[] Encode(string path)
    {
        byte[] bytes = new byte[Encoding.UTF8.GetByteCount(path) + 1];
        Encoding.UTF8.GetBytes(path, bytes);
        return bytes;
    }
}
