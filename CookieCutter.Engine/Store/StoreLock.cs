using CookieCutter.Engine.Host;
using Microsoft.Win32.SafeHandles;

namespace CookieCutter.Engine.Store;

/// <summary>
/// An exclusive flock(2) on a lock file in the store, held until disposed. Commands that touch
/// the same image or container name take the same lock. The kernel releases it when the
/// holding process dies, so a crash never leaves a name locked. The file is opened with open(2)
/// directly because .NET's FileStream takes flocks of its own on Linux.
/// </summary>
public sealed class StoreLock : IDisposable
{
    private readonly SafeFileHandle file;

    private StoreLock(SafeFileHandle file)
    {
        this.file = file;
    }

    /// <summary>Waits for the lock on a file, observing cancellation every 50 milliseconds.</summary>
    public static StoreLock Acquire(string path, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        SafeFileHandle stream = LinuxCalls.OpenForLocking(path, create: true)!;
        try
        {
            while (!LinuxCalls.Lock(stream, exclusive: true, wait: false))
            {
                cancellationToken.WaitHandle.WaitOne(50);
                cancellationToken.ThrowIfCancellationRequested();
            }

            return new StoreLock(stream);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Takes the lock on a file when no other holder has it, or returns null at once when one does.</summary>
    public static StoreLock? TryAcquire(string path)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        SafeFileHandle stream = LinuxCalls.OpenForLocking(path, create: true)!;
        if (LinuxCalls.Lock(stream, exclusive: true, wait: false))
        {
            return new StoreLock(stream);
        }

        stream.Dispose();
        return null;
    }

    /// <summary>Returns whether some process holds a lock on the file, without waiting.</summary>
    public static bool IsHeld(string path)
    {
        using SafeFileHandle? stream = LinuxCalls.OpenForLocking(path, create: false);
        if (stream is null)
        {
            return false;
        }

        if (!LinuxCalls.Lock(stream, exclusive: false, wait: false))
        {
            return true;
        }

        LinuxCalls.Unlock(stream);
        return false;
    }

    /// <inheritdoc/>
    public void Dispose() => file.Dispose();
}
