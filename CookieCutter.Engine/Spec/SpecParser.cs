using System.Text;
using System.Text.Json;

namespace CookieCutter.Engine.Spec;

/// <summary>
/// Parses build specs: the Docker-style lexing of <see cref="SpecLexer"/>, then one parser per
/// instruction. Every problem becomes a <see cref="SpecError"/>; only reading the file can throw.
/// </summary>
public static class SpecParser
{
    /// <summary>Flags that COPY accepts.</summary>
    private static readonly string[] CopyFlags = ["from", "chown", "chmod"];

    /// <summary>Docker instructions that Cookie-Cutter does not support, with what to use instead.</summary>
    private static readonly Dictionary<string, string> UnsupportedInstructions = new(StringComparer.OrdinalIgnoreCase)
    {
        ["add"] = "Use COPY; fetch URLs or unpack archives with RUN.",
        ["entrypoint"] = "Use CMD for the default command.",
        ["expose"] = "Containers use the host network, so ports need no declaration.",
        ["volume"] = "Give volumes when running the container (Invoke-CcRun -Volume).",
        ["healthcheck"] = "Cookie-Cutter does not run health checks.",
        ["onbuild"] = "Cookie-Cutter does not run triggers in derived builds.",
        ["shell"] = "RUN always uses /bin/sh -c; use the exec form RUN [\"PROGRAM\", \"ARG\"] for another shell.",
        ["stopsignal"] = "Containers are stopped with SIGTERM, then SIGKILL.",
        ["maintainer"] = "Use LABEL maintainer=NAME.",
    };

    /// <summary>Reads and parses a spec file.</summary>
    /// <exception cref="CcException"><c>BuildSpecNotFound</c> when the file does not exist.</exception>
    public static SpecParseResult ParseFile(string path)
    {
        if (!File.Exists(path))
        {
            throw new CcException(
                "BuildSpecNotFound",
                CcErrorKind.NotFound,
                $"The build spec '{path}' was not found. Give the path of a spec file such as my-app.ccspec.",
                path);
        }

        return Parse(File.ReadAllText(path, Encoding.UTF8), path);
    }

    /// <summary>Parses spec text; <paramref name="file"/> names the spec in steps and errors.</summary>
    public static SpecParseResult Parse(string text, string file)
    {
        var steps = new List<SpecStep>();
        var errors = new List<SpecError>();
        bool seenFrom = false;
        bool reportedMissingFrom = false;
        int lastLine = 1;
        foreach (LogicalLine line in SpecLexer.Split(text))
        {
            var parser = new LineParser(line, file, errors);
            SpecStep? step = parser.Parse();
            if (parser.Instruction is not { } instruction)
            {
                continue;
            }

            (int wordLine, int wordColumn) = parser.WordPosition;
            if (instruction == SpecInstruction.From)
            {
                if (seenFrom)
                {
                    errors.Add(new SpecError(
                        file,
                        wordLine,
                        wordColumn,
                        parser.Word,
                        "A spec has exactly one FROM; building several stages in one spec is not supported."));
                }

                seenFrom = true;
            }
            else if (!seenFrom && instruction != SpecInstruction.Arg && !reportedMissingFrom)
            {
                errors.Add(new SpecError(
                    file,
                    wordLine,
                    wordColumn,
                    parser.Word,
                    "This instruction comes before FROM. Start the spec with FROM IMAGE; only ARG may come before it."));
                reportedMissingFrom = true;
            }

            if (step is not null)
            {
                steps.Add(step);
                lastLine = step.Line;
            }
        }

        if (!seenFrom && !reportedMissingFrom)
        {
            errors.Add(new SpecError(
                file,
                lastLine,
                1,
                null,
                steps.Count == 0 && errors.Count == 0
                    ? "The spec has no instructions. Start it with FROM IMAGE."
                    : "The spec has no FROM instruction. Start it with FROM IMAGE."));
        }

        errors.Sort((a, b) => a.Line != b.Line ? a.Line.CompareTo(b.Line) : a.Column.CompareTo(b.Column));
        return new SpecParseResult(file, steps, errors);
    }

    /// <summary>Parses one logical line; problems go to the shared error list.</summary>
    private sealed class LineParser
    {
        private readonly LogicalLine line;
        private readonly string file;
        private readonly List<SpecError> errors;
        private readonly int errorCountBefore;
        private readonly Dictionary<string, string> flags = new(StringComparer.Ordinal);
        private readonly Dictionary<string, int> flagOffsets = new(StringComparer.Ordinal);
        private int restOffset;

        public LineParser(LogicalLine line, string file, List<SpecError> errors)
        {
            this.line = line;
            this.file = file;
            this.errors = errors;
            errorCountBefore = errors.Count;
        }

        /// <summary>Instruction word as written.</summary>
        public string Word { get; private set; } = string.Empty;

        /// <summary>File line and column of the instruction word.</summary>
        public (int Line, int Column) WordPosition { get; private set; }

        /// <summary>The instruction, or null when the word is not a known instruction.</summary>
        public SpecInstruction? Instruction { get; private set; }

        private string Text => line.Text;

        public SpecStep? Parse()
        {
            int start = SkipBlanks(0);
            int end = start;
            while (end < Text.Length && !char.IsWhiteSpace(Text[end]))
            {
                end++;
            }

            Word = Text[start..end];
            WordPosition = line.PositionOf(start);
            restOffset = SkipBlanks(end);
            if (!Enum.TryParse(Word, ignoreCase: true, out SpecInstruction instruction) ||
                !Word.All(char.IsAsciiLetter))
            {
                string hint = UnsupportedInstructions.TryGetValue(Word, out string? instead)
                    ? $"'{Word}' is not supported. {instead}"
                    : $"Unknown instruction '{Word}'. Use FROM, RUN, COPY, ENV, ARG, WORKDIR, USER, LABEL or CMD.";
                AddError(start, hint);
                return null;
            }

            Instruction = instruction;
            ReadFlags();
            string rest = Text[restOffset..].TrimEnd();
            (IReadOnlyList<string> arguments, bool isExecForm) = instruction switch
            {
                SpecInstruction.From => (ParseFrom(rest), false),
                SpecInstruction.Run or SpecInstruction.Cmd => ParseCommand(instruction, rest),
                SpecInstruction.Copy => (ParseCopy(rest), false),
                SpecInstruction.Env or SpecInstruction.Label => (ParseKeyValues(rest, allowLegacyForm: true), false),
                SpecInstruction.Arg => (ParseArguments(rest), false),
                _ => (ParseWholeRest(rest), false),
            };
            CheckFlags(instruction);
            if (errors.Count > errorCountBefore)
            {
                return null;
            }

            return new SpecStep(
                file,
                WordPosition.Line,
                WordPosition.Column,
                instruction,
                arguments,
                new Dictionary<string, string>(flags, StringComparer.Ordinal),
                isExecForm,
                Text.Trim());
        }

        /// <summary>Reads leading <c>--NAME=VALUE</c> words; a lone <c>--</c> ends them.</summary>
        private void ReadFlags()
        {
            while (restOffset + 1 < Text.Length && Text[restOffset] == '-' && Text[restOffset + 1] == '-')
            {
                int end = restOffset;
                while (end < Text.Length && !char.IsWhiteSpace(Text[end]))
                {
                    end++;
                }

                string flag = Text[(restOffset + 2)..end];
                int flagOffset = restOffset;
                restOffset = SkipBlanks(end);
                if (flag.Length == 0)
                {
                    return;
                }

                int equals = flag.IndexOf('=', StringComparison.Ordinal);
                string name = (equals < 0 ? flag : flag[..equals]).ToLowerInvariant();
                string value = equals < 0 ? string.Empty : flag[(equals + 1)..];
                if (flags.ContainsKey(name))
                {
                    AddError(flagOffset, $"The flag '--{name}' is given twice.");
                    continue;
                }

                flags[name] = value;
                flagOffsets[name] = flagOffset;
            }
        }

        private void CheckFlags(SpecInstruction instruction)
        {
            foreach ((string name, string value) in flags)
            {
                int offset = flagOffsets[name];
                if (instruction != SpecInstruction.Copy || !CopyFlags.Contains(name))
                {
                    string allowed = instruction == SpecInstruction.Copy
                        ? "COPY accepts --from=IMAGE, --chown=USER:GROUP and --chmod=MODE."
                        : $"{Word.ToUpperInvariant()} accepts no flags.";
                    AddError(offset, $"Unknown flag '--{name}'. {allowed}");
                }
                else if (value.Length == 0)
                {
                    AddError(offset, $"The flag '--{name}' needs a value, as in --{name}={FlagExample(name)}.");
                }
                else if (name == "chmod" && !IsOctalMode(value))
                {
                    AddError(offset, $"The mode '{value}' of --chmod is invalid. Give 1 to 4 octal digits, such as --chmod=755.");
                }
                else if (name == "chown" && !IsOwner(value))
                {
                    AddError(offset, $"The owner '{value}' of --chown is invalid. Give USER or USER:GROUP, as names or numbers.");
                }
            }
        }

        private List<string> ParseFrom(string rest)
        {
            List<RawWord> words = ShellWords.Split(rest);
            if (words.Count == 0)
            {
                AddMissingArguments("FROM IMAGE");
            }
            else if (words.Count == 3 && words[1].Text.Equals("as", StringComparison.OrdinalIgnoreCase))
            {
                AddError(restOffset + words[1].Offset, "Named build stages (FROM IMAGE AS NAME) are not supported. Remove 'AS NAME'.");
            }
            else if (words.Count > 1)
            {
                AddError(restOffset + words[1].Offset, "FROM takes one image name, as NAME or NAME@VERSION.");
            }

            return words.Select(w => w.Text).ToList();
        }

        private (IReadOnlyList<string>, bool) ParseCommand(SpecInstruction instruction, string rest)
        {
            if (rest.StartsWith('[') && TryParseJsonArray(rest) is { } elements)
            {
                if (elements.Count == 0 && instruction == SpecInstruction.Run)
                {
                    AddMissingArguments("RUN [\"PROGRAM\", \"ARG\"]");
                }

                return (elements, true);
            }

            if (rest.Length == 0)
            {
                AddMissingArguments(instruction == SpecInstruction.Run ? "RUN COMMAND" : "CMD COMMAND");
            }

            return ([rest], false);
        }

        private List<string> ParseCopy(string rest)
        {
            List<string> arguments;
            List<int> offsets;
            if (rest.StartsWith('[') && TryParseJsonArray(rest) is { } elements)
            {
                arguments = elements;
                offsets = elements.Select(_ => restOffset).ToList();
            }
            else
            {
                List<RawWord> words = ShellWords.Split(rest);
                arguments = words.Select(w => w.Text).ToList();
                offsets = words.Select(w => restOffset + w.Offset).ToList();
            }

            if (arguments.Count == 0)
            {
                AddMissingArguments("COPY SRC... [DEST]");
            }
            else if (arguments.Count > 2 && !arguments[^1].Contains('$', StringComparison.Ordinal) && !arguments[^1].EndsWith('/'))
            {
                AddError(offsets[^1], $"With several sources, the destination '{arguments[^1]}' must end with '/'.");
            }

            return arguments;
        }

        private List<string> ParseKeyValues(string rest, bool allowLegacyForm)
        {
            List<RawWord> words = ShellWords.Split(rest);
            string usage = $"{Word.ToUpperInvariant()} KEY=VALUE...";
            if (words.Count == 0)
            {
                AddMissingArguments(usage);
                return [];
            }

            if (allowLegacyForm && !words[0].Text.Contains('=', StringComparison.Ordinal))
            {
                if (words.Count < 2)
                {
                    AddError(restOffset + words[0].Offset, $"'{words[0].Text}' has no value. Write {usage}.");
                    return [];
                }

                string value = rest[words[1].Offset..].Trim();
                return [$"{words[0].Text}={value}"];
            }

            var items = new List<string>();
            foreach (RawWord word in words)
            {
                int equals = word.Text.IndexOf('=', StringComparison.Ordinal);
                if (equals < 0)
                {
                    AddError(restOffset + word.Offset, $"'{word.Text}' has no '='. Write {usage}.");
                }
                else if (equals == 0)
                {
                    AddError(restOffset + word.Offset, $"'{word.Text}' has an empty key. Write {usage}.");
                }
                else
                {
                    items.Add(word.Text);
                }
            }

            return items;
        }

        private List<string> ParseArguments(string rest)
        {
            List<RawWord> words = ShellWords.Split(rest);
            if (words.Count == 0)
            {
                AddMissingArguments("ARG NAME[=DEFAULT]");
            }

            foreach (RawWord word in words)
            {
                int equals = word.Text.IndexOf('=', StringComparison.Ordinal);
                string name = equals < 0 ? word.Text : word.Text[..equals];
                if (!ShellWords.IsVariableName(name))
                {
                    AddError(
                        restOffset + word.Offset,
                        $"'{name}' is not a valid argument name. Use letters, digits and '_', starting with a letter or '_'.");
                }
            }

            return words.Select(w => w.Text).ToList();
        }

        private List<string> ParseWholeRest(string rest)
        {
            if (rest.Length == 0)
            {
                AddMissingArguments(Word.ToUpperInvariant() + (Word.Equals("user", StringComparison.OrdinalIgnoreCase) ? " USER[:GROUP]" : " PATH"));
                return [];
            }

            return [rest];
        }

        private void AddMissingArguments(string usage) =>
            AddError(SkipBlanks(0), $"Missing arguments. Write {usage}.");

        private void AddError(int offset, string message)
        {
            (int errorLine, int errorColumn) = line.PositionOf(offset);
            errors.Add(new SpecError(file, errorLine, errorColumn, Word.Length == 0 ? null : Word, message));
        }

        private int SkipBlanks(int offset)
        {
            while (offset < Text.Length && char.IsWhiteSpace(Text[offset]))
            {
                offset++;
            }

            return offset;
        }

        private static List<string>? TryParseJsonArray(string text)
        {
            try
            {
                using JsonDocument document = JsonDocument.Parse(text);
                if (document.RootElement.ValueKind != JsonValueKind.Array)
                {
                    return null;
                }

                var elements = new List<string>();
                foreach (JsonElement element in document.RootElement.EnumerateArray())
                {
                    if (element.ValueKind != JsonValueKind.String)
                    {
                        return null;
                    }

                    elements.Add(element.GetString()!);
                }

                return elements;
            }
            catch (JsonException)
            {
                return null;
            }
        }

        private static bool IsOctalMode(string value) =>
            value.Length is >= 1 and <= 4 && value.All(c => c is >= '0' and <= '7');

        private static bool IsOwner(string value)
        {
            string[] parts = value.Split(':');
            return parts.Length is 1 or 2 && parts.All(p => p.Length > 0 && !p.Any(char.IsWhiteSpace));
        }

        private static string FlagExample(string name) => name switch
        {
            "from" => "IMAGE",
            "chown" => "USER:GROUP",
            "chmod" => "755",
            _ => "VALUE",
        };
    }
}
