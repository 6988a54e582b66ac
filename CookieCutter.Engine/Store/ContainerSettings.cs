using System.Text.Json;

namespace CookieCutter.Engine.Store;

/// <summary>
/// Settings of a container that the classic layout has no file for, stored as
/// <c>settings.json</c> in the container folder.
/// </summary>
public sealed record ContainerSettings
{
    /// <summary>Name of the file in a container folder.</summary>
    public const string FileName = "settings.json";

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    /// <summary>Creation time, in UTC.</summary>
    public DateTime Created { get; init; } = DateTime.UtcNow;

    /// <summary>Whether the container is booted with systemd-nspawn.</summary>
    public bool IsBooted { get; init; }

    /// <summary>Machine name of a booted container.</summary>
    public string? MachineName { get; init; }

    /// <summary>Whether the container has its own network namespace with only loopback.</summary>
    public bool IsolateNetwork { get; init; }

    /// <summary>Whether the container is deleted when its process ends.</summary>
    public bool RemoveOnExit { get; init; }

    /// <summary>Reads the settings of a container folder, or defaults when it has none.</summary>
    public static ContainerSettings Load(string containerPath)
    {
        string file = Path.Combine(containerPath, FileName);
        try
        {
            return File.Exists(file)
                ? JsonSerializer.Deserialize<ContainerSettings>(File.ReadAllText(file), JsonOptions) ?? new()
                : new ContainerSettings { Created = Directory.GetLastWriteTimeUtc(containerPath) };
        }
        catch (JsonException)
        {
            return new ContainerSettings { Created = Directory.GetLastWriteTimeUtc(containerPath) };
        }
    }

    /// <summary>Writes the settings into a container folder.</summary>
    public void Save(string containerPath) =>
        File.WriteAllText(Path.Combine(containerPath, FileName), JsonSerializer.Serialize(this, JsonOptions));
}
