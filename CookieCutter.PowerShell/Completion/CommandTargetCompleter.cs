using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Reflection;

namespace CookieCutter.PowerShell.Completion;

/// <summary>
/// Completes the first positional word of a container command line, the image or container
/// that the classic command takes before the command to run, as in <c>cc-run --rm IMAGE CMD</c>.
/// The cmdlet binds every positional word to its remaining-arguments parameter, so this completer
/// finds the word's place itself: it skips the cmdlet's named parameters with their values and
/// the classic options <c>--rm</c>, <c>--name NAME</c>, <c>--volume SPEC</c> and <c>-v SPEC</c>.
/// Later words belong to the container command and get no completions here, which leaves them
/// to PowerShell's file name completion.
/// </summary>
public abstract class CommandTargetCompleter : IArgumentCompleter
{
    private static readonly string[] ClassicOptionsWithValue = ["--name", "--volume"];

    private readonly Type cmdletType;
    private readonly string targetParameter;
    private readonly IArgumentCompleter targetCompleter;

    /// <summary>Creates a completer for one cmdlet.</summary>
    /// <param name="cmdletType">Cmdlet class whose parameters may come before the target.</param>
    /// <param name="targetParameter">Parameter that gives the target by name instead.</param>
    /// <param name="targetCompleter">Completer of the target word.</param>
    private protected CommandTargetCompleter(
        Type cmdletType,
        string targetParameter,
        IArgumentCompleter targetCompleter)
    {
        this.cmdletType = cmdletType;
        this.targetParameter = targetParameter;
        this.targetCompleter = targetCompleter;
    }

    /// <inheritdoc/>
    public IEnumerable<CompletionResult> CompleteArgument(
        string commandName,
        string parameterName,
        string wordToComplete,
        CommandAst commandAst,
        IDictionary fakeBoundParameters)
    {
        if (fakeBoundParameters?.Contains(targetParameter) == true || commandAst is null)
        {
            return [];
        }

        IReadOnlyList<CommandElementAst> elements = commandAst.CommandElements.Skip(1).ToList();
        int completed = IndexOfCompletedWord(elements, wordToComplete ?? string.Empty);
        if (FindTarget(elements, completed) != completed)
        {
            return [];
        }

        return targetCompleter.CompleteArgument(
            commandName,
            parameterName,
            wordToComplete ?? string.Empty,
            commandAst,
            fakeBoundParameters ?? new Hashtable());
    }

    /// <summary>
    /// Returns the index of the element being completed: a new word after the last element when
    /// the word is empty, else the last element with the word's text. PowerShell closes an open
    /// quote in the word it passes, so an element may lack the final quote.
    /// </summary>
    private static int IndexOfCompletedWord(IReadOnlyList<CommandElementAst> elements, string word)
    {
        if (word.Length == 0)
        {
            return elements.Count;
        }

        for (int index = elements.Count - 1; index >= 0; index--)
        {
            string text = elements[index].Extent.Text;
            bool closedByPowerShell = text.Length == word.Length - 1 &&
                word.StartsWith(text, StringComparison.Ordinal);
            if (text == word || closedByPowerShell)
            {
                return index;
            }
        }

        return elements.Count - 1;
    }

    /// <summary>
    /// Returns the index of the first positional word that is not a classic option or an
    /// option's value, looking no further than <paramref name="limit"/>, or -1 when there is none.
    /// </summary>
    private int FindTarget(IReadOnlyList<CommandElementAst> elements, int limit)
    {
        for (int index = 0; index <= limit; index++)
        {
            if (index == elements.Count)
            {
                return index;
            }

            CommandElementAst element = elements[index];
            if (element is CommandParameterAst parameter)
            {
                bool hasSeparateValue = parameter.Extent.Text != "--" &&
                    parameter.Argument is null &&
                    TakesValue(parameter.ParameterName);
                if (hasSeparateValue)
                {
                    index++;
                }

                continue;
            }

            string text = element is StringConstantExpressionAst constant
                ? constant.Value
                : element.Extent.Text;
            bool optionWithValue = text.StartsWith("--", StringComparison.Ordinal) &&
                text.Contains('=', StringComparison.Ordinal);
            if (text == "--rm" || optionWithValue)
            {
                continue;
            }

            if (ClassicOptionsWithValue.Contains(text, StringComparer.Ordinal))
            {
                index++;
                continue;
            }

            return index;
        }

        return -1;
    }

    /// <summary>
    /// Returns whether a parameter, named as typed (a name, an alias or a unique prefix of a
    /// name), takes a value. Unknown names and switches do not.
    /// </summary>
    private bool TakesValue(string typed)
    {
        var parameters = cmdletType.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(property => property.GetCustomAttributes<ParameterAttribute>().Any())
            .Select(property => (
                Property: property,
                Names: property.GetCustomAttributes<AliasAttribute>()
                    .SelectMany(alias => alias.AliasNames)
                    .Prepend(property.Name)
                    .ToList()))
            .ToList();
        var exact = parameters
            .Where(p => p.Names.Contains(typed, StringComparer.OrdinalIgnoreCase))
            .ToList();
        var matches = exact.Count > 0
            ? exact
            : parameters
                .Where(p => p.Property.Name.StartsWith(typed, StringComparison.OrdinalIgnoreCase))
                .ToList();
        return matches.Count == 1 && matches[0].Property.PropertyType != typeof(SwitchParameter);
    }
}
