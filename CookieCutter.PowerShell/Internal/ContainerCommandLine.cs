using System.Management.Automation;
using System.Management.Automation.Language;
using CookieCutter.Engine;

namespace CookieCutter.PowerShell.Internal;

/// <summary>
/// Splits the words of a classic command line such as <c>cc-run --rm --name web img echo hi</c>.
/// PowerShell passes words that start with <c>--</c> through as plain arguments, so the classic
/// options arrive at the front of the positional words, before the image name.
/// </summary>
internal sealed class ContainerCommandLine
{
    /// <summary>Image (or container) name: the first word that is not a classic option.</summary>
    public string? Target { get; private set; }

    /// <summary>Command words after the target, unchanged.</summary>
    public List<string> Command { get; } = [];

    /// <summary>Whether <c>--rm</c> was given.</summary>
    public bool Remove { get; private set; }

    /// <summary>Name from <c>--name NAME</c> or <c>--name=NAME</c>.</summary>
    public string? Name { get; private set; }

    /// <summary>Volumes from <c>--volume SPEC</c>, <c>--volume=SPEC</c> or <c>-v SPEC</c>.</summary>
    public List<string> Volumes { get; } = [];

    /// <summary>Machine name from <c>-M NAME</c>, <c>--machine NAME</c> or <c>--machine=NAME</c>.</summary>
    public string? MachineName { get; private set; }

    /// <summary>
    /// Parses the positional words. Classic options are read only before the target; every word
    /// after it belongs to the command.
    /// </summary>
    /// <param name="words">Positional words in order: the bound target followed by the remaining arguments.</param>
    /// <param name="acceptMachineName">Whether <c>-M</c> and <c>--machine</c> are options (for cc-boot).</param>
    public static ContainerCommandLine Parse(IEnumerable<string?> words, bool acceptMachineName)
    {
        var line = new ContainerCommandLine();
        bool markerSeen = false;
        using IEnumerator<string?> cursor = words.GetEnumerator();
        while (cursor.MoveNext())
        {
            string word = cursor.Current ?? string.Empty;
            if (line.Target is not null)
            {
                if (word == "--" && line.Command.Count == 0 && !markerSeen)
                {
                    markerSeen = true;
                    continue;
                }

                line.Command.Add(word);
                continue;
            }

            if (word == "--")
            {
                continue;
            }

            if (word == "--rm")
            {
                line.Remove = true;
            }
            else if (TryOption(word, "--name", cursor, out string? name))
            {
                line.Name = name;
            }
            else if (TryOption(word, "--volume", cursor, out string? volume) || TryOption(word, "-v", cursor, out volume))
            {
                line.Volumes.Add(volume!);
            }
            else if (acceptMachineName && (TryOption(word, "--machine", cursor, out string? machine) || TryOption(word, "-M", cursor, out machine)))
            {
                line.MachineName = machine;
            }
            else if (word.StartsWith("--", StringComparison.Ordinal))
            {
                throw new CcException(
                    "UnknownOption",
                    CcErrorKind.InvalidArgument,
                    $"The option '{word}' is not known. Use the cmdlet's parameters (see Get-Help), and put the container command after '--'.",
                    word);
            }
            else
            {
                line.Target = word;
            }
        }

        return line;
    }

    /// <summary>
    /// Recovers the command words exactly as typed after the target, from the syntax tree of the
    /// invocation, for when PowerShell took a word such as <c>-n</c> or <c>-name</c> as a
    /// parameter. After the target, a word stays the cmdlet's only when it spells out a common
    /// parameter (such as <c>-ErrorAction</c>), or one of the cmdlet's parameter names or aliases
    /// while a <c>--</c> follows later on the line. Returns null when the words are not all
    /// constants or the invocation has no source text.
    /// </summary>
    /// <param name="invocation">The cmdlet's invocation.</param>
    /// <param name="targetIsPositional">Whether the first positional word is the target; false when the target came by name or from the pipeline.</param>
    /// <param name="variableValue">Returns the value of a variable named on the command line, for words such as <c>$name</c>.</param>
    /// <param name="parameterAfterTarget">Set when a word after the target names one of the cmdlet's own parameters and is not the cmdlet's by the rule above.</param>
    public static List<string>? RecoverFromSource(
        InvocationInfo invocation,
        bool targetIsPositional,
        Func<string, object?> variableValue,
        out bool parameterAfterTarget)
    {
        parameterAfterTarget = false;
        CommandAst? command = FindCommand(invocation);
        if (command is null)
        {
            return null;
        }

        // A command given by name, as in -Command echo,hi, was bound as typed already.
        if (command.CommandElements.OfType<CommandParameterAst>().Any(p => "Command".StartsWith(p.ParameterName, StringComparison.OrdinalIgnoreCase) && p.ParameterName.Length >= 3))
        {
            return null;
        }

        var words = new List<string>();
        bool afterTarget = !targetIsPositional;
        bool unrecoverable = false;
        bool markerFollows = command.CommandElements.OfType<CommandParameterAst>().Any(p => p.Argument is null && p.Extent.Text == "--");
        bool afterMarker = false;
        bool skipNext = false;
        foreach (CommandElementAst element in command.CommandElements.Skip(1))
        {
            if (!afterTarget)
            {
                if (skipNext)
                {
                    skipNext = false;
                }
                else if (element is CommandParameterAst parameter)
                {
                    afterMarker |= parameter.Extent.Text == "--";
                    if (!afterMarker && !IsDeclaredName(invocation, parameter.ParameterName) && !IsUniquePrefix(invocation, parameter.ParameterName))
                    {
                        throw new CcException(
                            "UnknownOption",
                            CcErrorKind.InvalidArgument,
                            $"'{parameter.Extent.Text}' before the target is not a parameter of {invocation.MyCommand.Name}. " +
                            "Give parameters by their full names (see Get-Help), and put the container command after the target, or after '--'.",
                            parameter.Extent.Text);
                    }

                    skipNext = parameter.Argument is null && TakesValue(invocation, parameter.ParameterName);
                }
                else if (element is StringConstantExpressionAst { Value: "--name" or "--volume" or "--machine" or "-M" })
                {
                    skipNext = true;
                }
                else if (element is StringConstantExpressionAst { Value: var option } && option.StartsWith("--", StringComparison.Ordinal))
                {
                }
                else
                {
                    afterTarget = true;
                }

                continue;
            }

            if (skipNext)
            {
                skipNext = false;
                continue;
            }

            switch (element)
            {
                case CommandParameterAst { Argument: null } parameter when !afterMarker && parameter.Extent.Text == "--":
                    afterMarker = true;
                    break;
                case CommandParameterAst parameter when !afterMarker && IsDeclaredName(invocation, parameter.ParameterName) && (markerFollows || IsCommonParameter(invocation, parameter.ParameterName)):
                    skipNext = parameter.Argument is null && TakesValue(invocation, parameter.ParameterName);
                    break;
                case CommandParameterAst { Argument: null } parameter:
                    words.Add(parameter.Extent.Text);
                    parameterAfterTarget |= !afterMarker && (IsDeclaredName(invocation, parameter.ParameterName) || IsUniquePrefix(invocation, parameter.ParameterName));
                    break;
                case StringConstantExpressionAst constant:
                    words.Add(constant.Value);
                    break;
                case VariableExpressionAst { Splatted: false } variable when variable.VariablePath.IsUnqualified || variable.VariablePath.IsVariable:
                    object? value = PSObject.AsPSObject(variableValue(variable.VariablePath.UserPath) ?? string.Empty).BaseObject;
                    if (value is System.Collections.IEnumerable items and not string)
                    {
                        words.AddRange(items.Cast<object?>().Select(i => Convert.ToString(i, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty));
                    }
                    else
                    {
                        words.Add(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty);
                    }

                    break;
                case ArrayLiteralAst array when array.Elements.All(e => e is StringConstantExpressionAst):
                    words.Add(string.Join(',', array.Elements.Cast<StringConstantExpressionAst>().Select(e => e.Value)));
                    break;
                case ConstantExpressionAst { Value: { } constantValue }:
                    words.Add(Convert.ToString(constantValue, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty);
                    break;
                default:
                    unrecoverable = true;
                    break;
            }
        }

        return afterTarget && !unrecoverable ? words : null;
    }

    private static CommandAst? FindCommand(InvocationInfo invocation)
    {
        // InvocationInfo.Statement exists from PowerShell 7.4 on; the reference assemblies predate it.
        string? source = invocation.GetType().GetProperty("Statement")?.GetValue(invocation) as string;
        if (string.IsNullOrEmpty(source))
        {
            source = invocation.Line;
        }

        if (string.IsNullOrEmpty(source))
        {
            return null;
        }

        Ast ast = Parser.ParseInput(source, out _, out ParseError[] errors);
        if (errors.Length > 0)
        {
            return null;
        }

        var candidates = ast.FindAll(a => a is CommandAst c && c.GetCommandName() == invocation.InvocationName, searchNestedScriptBlocks: true)
            .Cast<CommandAst>()
            .ToList();
        return candidates.Count == 1 ? candidates[0] : null;
    }

    /// <summary>
    /// Returns whether a word is the full name or a declared alias of a parameter, as opposed to a
    /// prefix. After the target only such words are the cmdlet's; the catch-all for short flags
    /// does not count.
    /// </summary>
    private static bool IsDeclaredName(InvocationInfo invocation, string name) =>
        invocation.MyCommand.Parameters.Values.Any(p =>
            p.Name != "CommandFlag" &&
            (p.Name.Equals(name, StringComparison.OrdinalIgnoreCase) || p.Aliases.Contains(name, StringComparer.OrdinalIgnoreCase)));

    /// <summary>Returns whether a word is a prefix of exactly one real parameter (the catch-all for short flags aside).</summary>
    private static bool IsUniquePrefix(InvocationInfo invocation, string name) =>
        name.Length > 2 &&
        invocation.MyCommand.Parameters.Values.Count(p => p.Name != "CommandFlag" && p.Name.StartsWith(name, StringComparison.OrdinalIgnoreCase)) == 1;

    /// <summary>Returns whether a word names one of PowerShell's common parameters, such as -ErrorAction or -ea.</summary>
    private static bool IsCommonParameter(InvocationInfo invocation, string name) =>
        invocation.MyCommand.Parameters.Values.Any(p =>
            Cmdlet.CommonParameters.Contains(p.Name) &&
            (p.Name.Equals(name, StringComparison.OrdinalIgnoreCase) || p.Aliases.Contains(name, StringComparer.OrdinalIgnoreCase)));

    /// <summary>Returns whether a parameter name (or unique prefix) names one of the command's non-switch parameters.</summary>
    private static bool TakesValue(InvocationInfo invocation, string name)
    {
        var matches = invocation.MyCommand.Parameters.Values
            .Where(p => p.Name.Equals(name, StringComparison.OrdinalIgnoreCase) || p.Aliases.Contains(name, StringComparer.OrdinalIgnoreCase))
            .ToList();
        if (matches.Count == 0)
        {
            matches = invocation.MyCommand.Parameters.Values
                .Where(p => p.Name.StartsWith(name, StringComparison.OrdinalIgnoreCase))
                .ToList();
        }

        return matches.Count == 1 && matches[0].ParameterType != typeof(SwitchParameter);
    }

    private static bool TryOption(string word, string option, IEnumerator<string?> cursor, out string? value)
    {
        if (word == option)
        {
            if (!cursor.MoveNext())
            {
                throw new CcException(
                    "OptionValueMissing",
                    CcErrorKind.InvalidArgument,
                    $"The option '{option}' needs a value.",
                    option);
            }

            value = cursor.Current ?? string.Empty;
            return true;
        }

        if (word.StartsWith(option + "=", StringComparison.Ordinal))
        {
            value = word[(option.Length + 1)..];
            return true;
        }

        value = null;
        return false;
    }
}
