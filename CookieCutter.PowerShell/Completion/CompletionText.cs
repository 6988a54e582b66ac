using System.Buffers;
using System.Management.Automation;

namespace CookieCutter.PowerShell.Completion;

/// <summary>
/// The word being completed, split into the quote the user opened and the text after it, and
/// the quoting rules that turn a store name or a path back into a word PowerShell reads as one
/// string argument.
/// </summary>
internal sealed class CompletionText
{
    private static readonly SearchValues<char> SpecialCharacters =
        SearchValues.Create(" \t'\"`$;,(){}[]|&<>#\u2018\u2019\u201C\u201D");

    private CompletionText(char? quote, string text)
    {
        Quote = quote;
        Text = text;
    }

    /// <summary>Quote character the user opened the word with, if any.</summary>
    public char? Quote { get; }

    /// <summary>Text typed so far, without its quotes.</summary>
    public string Text { get; }

    /// <summary>Splits the word that a completer gets into its quote and its text.</summary>
    public static CompletionText Parse(string? wordToComplete)
    {
        string word = wordToComplete ?? string.Empty;
        if (word.Length > 0 && (word[0] == '\'' || word[0] == '"'))
        {
            char quote = word[0];
            string text = word.Length > 1 && word[^1] == quote ? word[1..^1] : word[1..];
            return new CompletionText(quote, text);
        }

        return new CompletionText(null, word);
    }

    /// <summary>
    /// Returns whether a candidate starts with the typed text, ignoring case, or matches it as a
    /// wildcard pattern.
    /// </summary>
    public bool Matches(string candidate)
    {
        if (WildcardPattern.ContainsWildcardCharacters(Text))
        {
            try
            {
                return new WildcardPattern(Text + "*", WildcardOptions.IgnoreCase).IsMatch(candidate);
            }
            catch (WildcardPatternException)
            {
                return false;
            }
        }

        return candidate.StartsWith(Text, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// Returns the candidate as the completion text: in the user's quotes when they opened one,
    /// in single quotes when PowerShell would otherwise split or expand it, else bare.
    /// </summary>
    public string Format(string candidate)
    {
        if (Quote == '"')
        {
            return "\"" + candidate.Replace("`", "``", StringComparison.Ordinal)
                .Replace("$", "`$", StringComparison.Ordinal)
                .Replace("\"", "`\"", StringComparison.Ordinal) + "\"";
        }

        if (Quote == '\'' || NeedsQuotes(candidate))
        {
            return "'" + candidate.Replace("'", "''", StringComparison.Ordinal) + "'";
        }

        return candidate;
    }

    /// <summary>Returns a completion result for one candidate.</summary>
    public CompletionResult Result(string candidate, string toolTip) =>
        new(Format(candidate), candidate, CompletionResultType.ParameterValue, toolTip);

    /// <summary>
    /// Returns whether PowerShell would read the word as something other than one string:
    /// a word starting with '-' is a parameter name, '@' starts a splat or a hash literal, and
    /// the special characters split or expand a bare word.
    /// </summary>
    internal static bool NeedsQuotes(string candidate) =>
        candidate.Length == 0 ||
        candidate[0] is '-' or '@' or '\u2013' or '\u2014' ||
        candidate.AsSpan().ContainsAny(SpecialCharacters);
}
