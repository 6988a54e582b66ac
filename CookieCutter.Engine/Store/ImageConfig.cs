using System.Text.Json;
using System.Text.Json.Serialization;

namespace CookieCutter.Engine.Store;

/// <summary>
/// Settings an image version carries to later build steps and to containers made from it:
/// environment variables, working directory, user, default command and labels.
/// Stored as <c>config.json</c> in the version folder, a file the classic tools ignore.
/// </summary>
public sealed record ImageConfig
{
    /// <summary>Name of the file in a version folder.</summary>
    public const string FileName = "config.json";

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    /// <summary>Environment variables, in the order they were set.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>Working directory inside the container; <c>/</c> when unset.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>User (name, uid, or USER:GROUP) that commands run as; root when unset.</summary>
    public string? User { get; init; }

    /// <summary>Command run when a container is started without one.</summary>
    public IReadOnlyList<string>? Command { get; init; }

    /// <summary>Labels as key-value pairs.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary>Empty settings.</summary>
    [JsonIgnore]
    public static ImageConfig Empty { get; } = new();

    /// <summary>Returns the settings in spec syntax, such as <c>ENV A=1; WORKDIR /app; CMD ["run"]</c>.</summary>
    public override string ToString()
    {
        var parts = new List<string>();
        parts.AddRange(Environment.Select(pair => $"ENV {pair.Key}={pair.Value}"));
        if (WorkingDirectory is not null)
        {
            parts.Add($"WORKDIR {WorkingDirectory}");
        }

        if (User is not null)
        {
            parts.Add($"USER {User}");
        }

        if (Command is { Count: > 0 })
        {
            parts.Add($"CMD {JsonSerializer.Serialize(Command)}");
        }

        parts.AddRange(Labels.Select(pair => $"LABEL {pair.Key}={pair.Value}"));
        return string.Join("; ", parts);
    }

    /// <summary>Reads the settings of a version folder, or empty settings when it has none.</summary>
    public static ImageConfig Load(string versionPath)
    {
        string file = System.IO.Path.Combine(versionPath, FileName);
        if (!File.Exists(file))
        {
            return Empty;
        }

        return JsonSerializer.Deserialize<ImageConfig>(File.ReadAllText(file), JsonOptions) ?? Empty;
    }

    /// <summary>Writes the settings into a version folder.</summary>
    public void Save(string versionPath) =>
        File.WriteAllText(System.IO.Path.Combine(versionPath, FileName), JsonSerializer.Serialize(this, JsonOptions));
}
