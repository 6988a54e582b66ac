using System.Collections;
using System.Globalization;

namespace CookieCutter.PowerShell.Internal;

/// <summary>
/// Conversion of PowerShell hashtables to the engine's string dictionaries.
/// </summary>
internal static class Hashtables
{
    /// <summary>Returns the entries of a hashtable as strings, in invariant culture.</summary>
    public static Dictionary<string, string> ToDictionary(IDictionary? table)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in table ?? new Hashtable())
        {
            string key = Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? string.Empty;
            result[key] = Convert.ToString(entry.Value, CultureInfo.InvariantCulture) ?? string.Empty;
        }

        return result;
    }
}
