using System.Text.RegularExpressions;

namespace CookieCutter.Engine.Store;

/// <summary>
/// Validation of image, container and version names before they are used as path segments.
/// </summary>
public static partial class Names
{
    /// <summary>Maximum length of an image, container or version name.</summary>
    public const int MaxLength = 128;

    private const string Rule =
        "A name is 1 to 128 characters of letters, digits, '.', '_' and '-', starts with a letter or digit, and is not '.' or '..'.";

    // \z, not $: in .NET, $ also matches before a final newline, which would let "name\n" pass.
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]*\\z", RegexOptions.CultureInvariant)]
    private static partial Regex SafeName();

    /// <summary>Returns whether a name is safe to use as one path segment in the store.</summary>
    public static bool IsValid(string? name) =>
        !string.IsNullOrEmpty(name) && name.Length <= MaxLength && name != "." && name != ".." && SafeName().IsMatch(name);

    /// <summary>
    /// Validates the name of an image that is about to be written or removed: besides the rules
    /// of <see cref="Validate"/>, the name must not be <c>empty</c>, the base layer of every chain.
    /// </summary>
    public static string ValidateWritableImage(string? name)
    {
        Validate(name, "image");
        if (name == StorePaths.EmptyImage)
        {
            throw new CcException(
                "InvalidName",
                CcErrorKind.InvalidArgument,
                $"The image name '{name}' is reserved for the base layer that every image ends in. Choose another name.",
                name);
        }

        return name!;
    }

    /// <summary>Throws <see cref="CcException"/> with id <c>InvalidName</c> unless the name is valid.</summary>
    /// <param name="name">The name to check.</param>
    /// <param name="what">What the name is for, such as "image" or "container", used in the message.</param>
    public static string Validate(string? name, string what)
    {
        if (IsValid(name))
        {
            return name!;
        }

        string shown = name ?? "(null)";
        if (shown.Length > MaxLength)
        {
            shown = shown[..MaxLength] + "...";
        }

        throw new CcException(
            "InvalidName",
            CcErrorKind.InvalidArgument,
            $"The {what} name '{shown}' is invalid. {Rule}",
            name);
    }
}
