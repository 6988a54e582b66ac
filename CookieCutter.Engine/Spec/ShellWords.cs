using System.Text;

namespace CookieCutter.Engine.Spec;

/// <summary>A word of an instruction as written, quotes and backslashes kept, and where it starts.</summary>
/// <param name="Text">The word as written.</param>
/// <param name="Offset">Offset of its first character in the text that was split.</param>
internal readonly record struct RawWord(string Text, int Offset);

/// <summary>
/// Failure to expand a word, such as <c>${NAME:?message}</c> with NAME unset or an unclosed <c>${</c>.
/// </summary>
public sealed class SpecExpansionException : Exception
{
    /// <summary>Creates the exception with a message that names the word.</summary>
    public SpecExpansionException(string message)
        : base(message)
    {
    }
}

/// <summary>
/// Word splitting and variable expansion with the subset of POSIX shell rules that Docker
/// applies to FROM, COPY, ENV, LABEL, ARG, WORKDIR and USER arguments: single quotes keep
/// everything, double quotes keep everything but <c>$</c> expansion and the escapes
/// <c>\"</c>, <c>\\</c> and <c>\$</c>, a backslash outside quotes keeps the next character,
/// and <c>$NAME</c>, <c>${NAME}</c>, <c>${NAME:-WORD}</c>, <c>${NAME-WORD}</c>,
/// <c>${NAME:+WORD}</c>, <c>${NAME+WORD}</c>, <c>${NAME:?WORD}</c> and <c>${NAME?WORD}</c>
/// are replaced. An unset variable expands to nothing.
/// </summary>
public static class ShellWords
{
    /// <summary>
    /// Splits text into words at blanks outside quotes, keeping the quotes and backslashes of
    /// each word so that <see cref="Expand"/> can process them later.
    /// </summary>
    internal static List<RawWord> Split(string text)
    {
        var words = new List<RawWord>();
        var word = new StringBuilder();
        int start = -1;
        char quote = '\0';
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (quote == '\0' && char.IsWhiteSpace(c))
            {
                if (start >= 0)
                {
                    words.Add(new RawWord(word.ToString(), start));
                    word.Clear();
                    start = -1;
                }

                continue;
            }

            if (start < 0)
            {
                start = i;
            }

            if (c == '\\' && quote != '\'' && i + 1 < text.Length)
            {
                word.Append(c).Append(text[i + 1]);
                i++;
                continue;
            }

            if (quote == '\0' && (c == '\'' || c == '"'))
            {
                quote = c;
            }
            else if (c == quote)
            {
                quote = '\0';
            }

            word.Append(c);
        }

        if (start >= 0)
        {
            words.Add(new RawWord(word.ToString(), start));
        }

        return words;
    }

    /// <summary>
    /// Removes quotes and backslashes from a word and replaces its variables with values from
    /// <paramref name="lookup"/>, which returns null for an unset variable.
    /// </summary>
    /// <exception cref="SpecExpansionException">The word has a malformed or failing substitution.</exception>
    public static string Expand(string word, Func<string, string?> lookup)
    {
        var reader = new Reader(word, lookup);
        string result = reader.ReadUntil(stopAtBrace: false);
        return result;
    }

    /// <summary>Returns whether a name is a valid variable name: a letter or underscore, then letters, digits or underscores.</summary>
    public static bool IsVariableName(string name) =>
        name.Length > 0 &&
        (char.IsAsciiLetter(name[0]) || name[0] == '_') &&
        name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    private sealed class Reader
    {
        private readonly string text;
        private readonly Func<string, string?> lookup;
        private int position;

        public Reader(string text, Func<string, string?> lookup)
        {
            this.text = text;
            this.lookup = lookup;
        }

        /// <summary>Reads to the end of the text or, inside <c>${...}</c>, to the closing brace.</summary>
        public string ReadUntil(bool stopAtBrace)
        {
            var result = new StringBuilder();
            while (position < text.Length)
            {
                char c = text[position];
                if (stopAtBrace && c == '}')
                {
                    return result.ToString();
                }

                position++;
                switch (c)
                {
                    case '\'':
                        ReadSingleQuoted(result);
                        break;
                    case '"':
                        ReadDoubleQuoted(result);
                        break;
                    case '\\':
                        if (position < text.Length)
                        {
                            result.Append(text[position]);
                            position++;
                        }
                        else
                        {
                            result.Append('\\');
                        }

                        break;
                    case '$':
                        result.Append(ReadVariable());
                        break;
                    default:
                        result.Append(c);
                        break;
                }
            }

            if (stopAtBrace)
            {
                throw new SpecExpansionException($"Missing '}}' in '{text}'.");
            }

            return result.ToString();
        }

        private void ReadSingleQuoted(StringBuilder result)
        {
            int end = text.IndexOf('\'', position);
            if (end < 0)
            {
                throw new SpecExpansionException($"Missing closing single quote in '{text}'.");
            }

            result.Append(text, position, end - position);
            position = end + 1;
        }

        private void ReadDoubleQuoted(StringBuilder result)
        {
            while (position < text.Length)
            {
                char c = text[position];
                position++;
                if (c == '"')
                {
                    return;
                }

                if (c == '\\' && position < text.Length && text[position] is '"' or '\\' or '$')
                {
                    result.Append(text[position]);
                    position++;
                }
                else if (c == '$')
                {
                    result.Append(ReadVariable());
                }
                else
                {
                    result.Append(c);
                }
            }

            throw new SpecExpansionException($"Missing closing double quote in '{text}'.");
        }

        /// <summary>Reads what follows a <c>$</c> and returns its expansion; a <c>$</c> before anything else stays.</summary>
        private string ReadVariable()
        {
            if (position >= text.Length)
            {
                return "$";
            }

            if (text[position] == '{')
            {
                position++;
                return ReadBracedVariable();
            }

            string name = ReadName();
            return name.Length == 0 ? "$" : lookup(name) ?? string.Empty;
        }

        private string ReadBracedVariable()
        {
            string name = ReadName();
            if (name.Length == 0)
            {
                throw new SpecExpansionException($"Bad substitution in '{text}': expected a variable name after '${{'.");
            }

            if (position >= text.Length)
            {
                throw new SpecExpansionException($"Missing '}}' in '{text}'.");
            }

            string? value = lookup(name);
            char next = text[position];
            if (next == '}')
            {
                position++;
                return value ?? string.Empty;
            }

            bool colon = next == ':';
            if (colon)
            {
                position++;
            }

            if (position >= text.Length || text[position] is not ('-' or '+' or '?'))
            {
                throw new SpecExpansionException(
                    $"Bad substitution in '{text}': only ${{NAME}}, ${{NAME:-WORD}}, ${{NAME:+WORD}} and ${{NAME:?WORD}} are supported.");
            }

            char modifier = text[position];
            position++;
            string word = ReadUntil(stopAtBrace: true);
            position++;
            bool isSet = colon ? !string.IsNullOrEmpty(value) : value is not null;
            return modifier switch
            {
                '-' => isSet ? value! : word,
                '+' => isSet ? word : string.Empty,
                _ => isSet
                    ? value!
                    : throw new SpecExpansionException(word.Length > 0 ? $"{name}: {word}" : $"{name}: the variable is not set."),
            };
        }

        private string ReadName()
        {
            int start = position;
            while (position < text.Length &&
                   (char.IsAsciiLetterOrDigit(text[position]) || text[position] == '_') &&
                   !(position == start && char.IsAsciiDigit(text[position])))
            {
                position++;
            }

            return text[start..position];
        }
    }
}
