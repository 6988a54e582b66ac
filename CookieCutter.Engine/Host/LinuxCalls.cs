using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;
using Tmds.Linux;

namespace CookieCutter.Engine.Host;

/// <summary>
/// Thin wrappers over the Linux system calls the engine makes directly, through Tmds.LibC.
/// Each throws <see cref="CcException"/> with the call, the path and the errno text on failure.
/// </summary>
internal static unsafe class LinuxCalls
{
    internal const ulong MsRdonly = 1;
    internal const ulong MsNosuid = 2;
    internal const ulong MsNodev = 4;
    internal const ulong MsBind = 4096;
    internal const int MntDetach = 2;
    private const int LockShared = 1;
    private const int LockExclusive = 2;
    private const int LockNonBlocking = 4;
    private const int LockUnlock = 8;
    private const int SysFlock = 73;
    private const int Ebusy = 16;
    private const int Einval = 22;
    private const int Ewouldblock = 11;
    private const int Eintr = 4;

    /// <summary>Mounts a file system, as mount(2).</summary>
    internal static void Mount(string source, string target, string? fsType, ulong flags, string? data)
    {
        int result;
        fixed (byte* sourceBytes = Encode(source))
        fixed (byte* targetBytes = Encode(target))
        fixed (byte* typeBytes = fsType is null ? null : Encode(fsType))
        fixed (byte* dataBytes = data is null ? null : Encode(data))
        {
            result = LibC.mount(sourceBytes, targetBytes, typeBytes, (ulong_t)flags, dataBytes);
        }

        if (result != 0)
        {
            throw Failure($"mount of '{source}' on '{target}'");
        }
    }

    /// <summary>
    /// Mounts an overlay with the new mount API (fsopen, fsconfig, fsmount, move_mount), adding
    /// each lower layer with its own <c>lowerdir+</c> call, so the depth of a chain is not bound
    /// by the one page of options that mount(2) takes. Needs Linux 6.8 or later; returns false
    /// when the kernel lacks the API or the <c>lowerdir+</c> key.
    /// </summary>
    internal static bool MountOverlayByLayers(IReadOnlyList<string> lowerDirs, string upperDir, string workDir, string target)
    {
        const int SysFsopen = 430;
        const int SysFsconfig = 431;
        const int SysFsmount = 432;
        const int SysMoveMount = 429;
        const int FsopenCloseOnExec = 1;
        const int SetString = 1;
        const int CommandCreate = 6;
        const int MountAttributeNoDevices = 4;
        const int AtCurrentDirectory = -100;
        const int MoveMountEmptyPath = 4;
        const int NoSuchSystemCall = 38;

        int context;
        fixed (byte* type = Encode("overlay"))
        {
            context = (int)(long)LibC.syscall((syscall_arg)SysFsopen, (syscall_arg)(void*)type, (syscall_arg)FsopenCloseOnExec);
        }

        if (context < 0)
        {
            int error = Marshal.GetLastPInvokeError();
            return error == NoSuchSystemCall ? false : throw Failure($"fsopen for the overlay on '{target}'", error);
        }

        try
        {
            void Set(string key, string value)
            {
                long result;
                fixed (byte* keyBytes = Encode(key))
                fixed (byte* valueBytes = Encode(value))
                {
                    result = (long)LibC.syscall((syscall_arg)SysFsconfig, (syscall_arg)context, (syscall_arg)SetString, (syscall_arg)(void*)keyBytes, (syscall_arg)(void*)valueBytes, (syscall_arg)0);
                }

                if (result < 0)
                {
                    throw Failure($"fsconfig of '{key}={value}' for the overlay on '{target}'");
                }
            }

            try
            {
                Set("lowerdir+", lowerDirs[0]);
            }
            catch (CcException)
            {
                return false;
            }

            foreach (string lower in lowerDirs.Skip(1))
            {
                Set("lowerdir+", lower);
            }

            Set("upperdir", upperDir);
            Set("workdir", workDir);
            if ((long)LibC.syscall((syscall_arg)SysFsconfig, (syscall_arg)context, (syscall_arg)CommandCreate, (syscall_arg)0, (syscall_arg)0, (syscall_arg)0) < 0)
            {
                throw Failure($"creating the overlay on '{target}'");
            }

            int mount = (int)(long)LibC.syscall((syscall_arg)SysFsmount, (syscall_arg)context, (syscall_arg)FsopenCloseOnExec, (syscall_arg)MountAttributeNoDevices);
            if (mount < 0)
            {
                throw Failure($"fsmount of the overlay on '{target}'");
            }

            try
            {
                long moved;
                fixed (byte* empty = Encode(string.Empty))
                fixed (byte* targetBytes = Encode(target))
                {
                    moved = (long)LibC.syscall((syscall_arg)SysMoveMount, (syscall_arg)mount, (syscall_arg)(void*)empty, (syscall_arg)AtCurrentDirectory, (syscall_arg)(void*)targetBytes, (syscall_arg)MoveMountEmptyPath);
                }

                if (moved < 0)
                {
                    throw Failure($"move_mount of the overlay to '{target}'");
                }
            }
            finally
            {
                _ = LibC.close(mount);
            }
        }
        finally
        {
            _ = LibC.close(context);
        }

        return true;
    }

    /// <summary>Unmounts a mount point; returns false when it was not mounted.</summary>
    internal static bool Unmount(string target, bool detach)
    {
        int result;
        fixed (byte* targetBytes = Encode(target))
        {
            result = LibC.umount2(targetBytes, detach ? MntDetach : 0);
        }

        if (result == 0)
        {
            return true;
        }

        int error = Marshal.GetLastPInvokeError();
        if (error == Einval)
        {
            return false;
        }

        if (error == Ebusy)
        {
            throw new CcException(
                "MountBusy",
                CcErrorKind.InvalidOperation,
                $"Cannot unmount '{target}': a process is still using it. Stop the container with Stop-CcContainer, then try again.",
                target);
        }

        throw Failure($"unmount of '{target}'", error);
    }

    /// <summary>Takes or tries a flock(2) on an open file; returns false when a non-blocking attempt finds it held.</summary>
    internal static bool Lock(SafeHandle file, bool exclusive, bool wait)
    {
        int operation = (exclusive ? LockExclusive : LockShared) | (wait ? 0 : LockNonBlocking);
        while (true)
        {
            long result = (long)LibC.syscall((syscall_arg)SysFlock, (syscall_arg)file.DangerousGetHandle().ToInt32(), (syscall_arg)operation);
            if (result == 0)
            {
                return true;
            }

            int error = Marshal.GetLastPInvokeError();
            if (error == Eintr)
            {
                continue;
            }

            if (error == Ewouldblock)
            {
                return false;
            }

            throw Failure("flock", error);
        }
    }

    /// <summary>Opens a lock file read-write without .NET's own locking; returns null when it is missing and not created.</summary>
    internal static SafeFileHandle? OpenForLocking(string path, bool create)
    {
        const int ReadWrite = 2;
        const int Create = 64;
        const int CloseOnExec = 524288;
        const int NoSuchFile = 2;
        int fd;
        fixed (byte* pathBytes = Encode(path))
        {
            fd = LibC.open(pathBytes, ReadWrite | CloseOnExec | (create ? Create : 0), 384);
        }

        if (fd >= 0)
        {
            return new SafeFileHandle(fd, ownsHandle: true);
        }

        int error = Marshal.GetLastPInvokeError();
        if (!create && error == NoSuchFile)
        {
            return null;
        }

        throw Failure($"open of '{path}'", error);
    }

    /// <summary>Releases a flock(2).</summary>
    internal static void Unlock(SafeHandle file) =>
        LibC.syscall((syscall_arg)SysFlock, (syscall_arg)file.DangerousGetHandle().ToInt32(), (syscall_arg)LockUnlock);

    /// <summary>Sends a signal to a process; returns false when it no longer exists.</summary>
    internal static bool Kill(int pid, int signal) => LibC.kill(pid, signal) == 0;

    /// <summary>Returns the device id of a path without following a final symbolic link.</summary>
    internal static ulong DeviceOf(string path)
    {
        stat info;
        int result;
        fixed (byte* pathBytes = Encode(path))
        {
            result = LibC.lstat(pathBytes, &info);
        }

        if (result != 0)
        {
            throw Failure($"lstat of '{path}'");
        }

        return info.st_dev;
    }

    /// <summary>Returns the hard link count of a file.</summary>
    internal static ulong LinkCount(string path)
    {
        stat info;
        int result;
        fixed (byte* pathBytes = Encode(path))
        {
            result = LibC.lstat(pathBytes, &info);
        }

        return result == 0 ? info.st_nlink : 0;
    }

    /// <summary>Creates a hard link.</summary>
    internal static void HardLink(string existing, string newPath)
    {
        int result;
        fixed (byte* existingBytes = Encode(existing))
        fixed (byte* newBytes = Encode(newPath))
        {
            result = LibC.link(existingBytes, newBytes);
        }

        if (result != 0)
        {
            throw Failure($"link of '{existing}' to '{newPath}'");
        }
    }

    /// <summary>Renames a path with rename(2), replacing the target atomically; .NET's File.Move refuses links to folders.</summary>
    internal static void Rename(string source, string target)
    {
        int result;
        fixed (byte* sourceBytes = Encode(source))
        fixed (byte* targetBytes = Encode(target))
        {
            result = RenameNative(sourceBytes, targetBytes);
        }

        if (result != 0)
        {
            throw Failure($"rename of '{source}' to '{target}'");
        }
    }

    /// <summary>Returns the effective user id.</summary>
    internal static uint EffectiveUserId() => LibC.geteuid();

    [DllImport("libc", EntryPoint = "rename", SetLastError = true)]
    private static extern int RenameNative(byte* source, byte* target);

    private static byte[] Encode(string text) => Encoding.UTF8.GetBytes(text + "\0");

    private static CcException Failure(string what, int? error = null)
    {
        int code = error ?? Marshal.GetLastPInvokeError();
        return new CcException(
            "SystemCallFailed",
            CcErrorKind.OperationFailed,
            $"The {what} failed: {Marshal.GetPInvokeErrorMessage(code)} (errno {code}).");
    }
}
