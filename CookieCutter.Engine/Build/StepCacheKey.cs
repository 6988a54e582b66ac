using System.Security.Cryptography;
using System.Text;

namespace CookieCutter.Engine.Build;

/// <summary>
/// Cache keys of build steps: the first 128 bits of a SHA-256 over the parent layer's id and
/// the instruction after variable expansion. For COPY the path, type, permission bits and
/// content (or link target) of every copied entry are hashed too. Timestamps and owners of context files never enter the key,
/// so touching a file or checking it out again does not invalidate the cache.
/// </summary>
public static class StepCacheKey
{
    /// <summary>Version of the key format; changing what goes into a key changes it, so old entries are not reused.</summary>
    private const string FormatVersion = "cookie-cutter-step-1";

    /// <summary>
    /// Returns the key as 32 lower-case hex digits. Keys name cache folders, and a layer chain's
    /// folder paths must fit together in one page of mount options, so they are kept short.
    /// </summary>
    /// <param name="parentId">Id of the layer the step runs on: the previous step's key, or the base image version.</param>
    /// <param name="instruction">The instruction after variable expansion, including any values that change its effect.</param>
    /// <param name="sources">For COPY, what it copies; null for other instructions.</param>
    public static string Compute(string parentId, string instruction, IReadOnlyList<CopySource>? sources = null)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        AppendField(hash, FormatVersion);
        AppendField(hash, parentId);
        AppendField(hash, instruction);
        foreach (CopySource source in sources ?? [])
        {
            AppendField(hash, "source");
            AppendField(hash, source.IsDirectory ? "directory" : "file");
            AppendField(hash, source.FileName);
            foreach (ContextEntry entry in source.Entries)
            {
                AppendEntry(hash, entry);
            }
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset().AsSpan(0, 16));
    }

    private static void AppendEntry(IncrementalHash hash, ContextEntry entry)
    {
        AppendField(hash, entry.Kind.ToString());
        AppendField(hash, entry.Path);
        switch (entry.Kind)
        {
            case FileKind.File:
                AppendField(hash, Octal(entry.Permissions));
                AppendField(hash, HashFile(entry.FullPath));
                break;
            case FileKind.Directory:
                AppendField(hash, Octal(entry.Permissions));
                break;
            case FileKind.SymbolicLink:
                AppendField(hash, entry.LinkTarget ?? string.Empty);
                break;
            default:
                break;
        }
    }

    /// <summary>Adds a field with its length first, so that no two field lists hash the same bytes.</summary>
    private static void AppendField(IncrementalHash hash, string value)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(value);
        hash.AppendData(BitConverter.GetBytes(bytes.LongLength));
        hash.AppendData(bytes);
    }

    private static string HashFile(string path)
    {
        using FileStream stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    private static string Octal(UnixFileMode mode) => Convert.ToString((int)mode, 8).PadLeft(4, '0');
}
