namespace CookieCutter.Engine.Spec;

/// <summary>
/// One instruction of a parsed build spec, with its position and its arguments as written.
/// Variables in the arguments are still unexpanded; the builder expands them with the ARG
/// and ENV values in effect at this step.
/// </summary>
public sealed class SpecStep
{
    internal SpecStep(
        string file,
        int line,
        int column,
        SpecInstruction instruction,
        IReadOnlyList<string> arguments,
        IReadOnlyDictionary<string, string> flags,
        bool isExecForm,
        string text)
    {
        File = file;
        Line = line;
        Column = column;
        Instruction = instruction;
        Arguments = arguments;
        Flags = flags;
        IsExecForm = isExecForm;
        Text = text;
    }

    /// <summary>Spec file the step comes from, as given to the parser.</summary>
    public string File { get; }

    /// <summary>Line of the instruction word, counting from 1.</summary>
    public int Line { get; }

    /// <summary>Column of the instruction word, counting from 1.</summary>
    public int Column { get; }

    /// <summary>The instruction.</summary>
    public SpecInstruction Instruction { get; }

    /// <summary>
    /// Arguments: the command text for a shell-form RUN or CMD, the array elements for the exec
    /// form, the words of FROM and COPY, <c>KEY=VALUE</c> items of ENV, LABEL and ARG (ARG items
    /// may lack <c>=</c>), and the whole rest of the line for WORKDIR and USER.
    /// </summary>
    public IReadOnlyList<string> Arguments { get; }

    /// <summary>Flags given as <c>--NAME=VALUE</c> before the arguments, keyed by lower-case name.</summary>
    public IReadOnlyDictionary<string, string> Flags { get; }

    /// <summary>Whether RUN or CMD was written as a JSON array (exec form) instead of shell form.</summary>
    public bool IsExecForm { get; }

    /// <summary>The whole instruction after joining continuation lines, with surrounding space trimmed.</summary>
    public string Text { get; }

    /// <inheritdoc/>
    public override string ToString() => Text;
}
