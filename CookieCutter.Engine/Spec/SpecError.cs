namespace CookieCutter.Engine.Spec;

/// <summary>
/// A syntax error in a build spec, with its position and the instruction it concerns.
/// </summary>
public sealed class SpecError
{
    internal SpecError(string file, int line, int column, string? instruction, string message)
    {
        File = file;
        Line = line;
        Column = column;
        Instruction = instruction;
        Message = message;
    }

    /// <summary>Spec file, as given to the parser.</summary>
    public string File { get; }

    /// <summary>Line of the error, counting from 1.</summary>
    public int Line { get; }

    /// <summary>Column of the error, counting from 1.</summary>
    public int Column { get; }

    /// <summary>The instruction word as written, or null when the error is not about one instruction.</summary>
    public string? Instruction { get; }

    /// <summary>What is wrong and how to fix it.</summary>
    public string Message { get; }

    /// <summary>Returns the error as <c>FILE:LINE:COLUMN: INSTRUCTION: MESSAGE</c>.</summary>
    public override string ToString() =>
        Instruction is null
            ? $"{File}:{Line}:{Column}: {Message}"
            : $"{File}:{Line}:{Column}: {Instruction.ToUpperInvariant()}: {Message}";
}
