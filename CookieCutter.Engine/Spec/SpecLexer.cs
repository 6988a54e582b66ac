using System.Text;

namespace CookieCutter.Engine.Spec;

/// <summary>
/// Start of a physical line's text inside a logical line, used to map an offset in the joined
/// text back to a line and column of the file.
/// </summary>
/// <param name="Offset">Offset in the logical line where this piece starts.</param>
/// <param name="Line">Line in the file, counting from 1.</param>
/// <param name="Column">Column in the file of the piece's first character, counting from 1.</param>
internal readonly record struct SourcePiece(int Offset, int Line, int Column);

/// <summary>
/// One instruction after continuation lines were joined, with the map back to the file.
/// </summary>
internal sealed class LogicalLine
{
    public LogicalLine(string text, IReadOnlyList<SourcePiece> pieces)
    {
        Text = text;
        Pieces = pieces;
    }

    public string Text { get; }

    public IReadOnlyList<SourcePiece> Pieces { get; }

    /// <summary>Returns the file line and column of an offset into <see cref="Text"/>.</summary>
    public (int Line, int Column) PositionOf(int offset)
    {
        SourcePiece piece = Pieces[0];
        foreach (SourcePiece candidate in Pieces)
        {
            if (candidate.Offset > offset)
            {
                break;
            }

            piece = candidate;
        }

        return (piece.Line, piece.Column + Math.Max(0, offset - piece.Offset));
    }
}

/// <summary>
/// Splits spec text into logical lines with Docker's rules: CR before LF is dropped; blank
/// lines and lines whose first non-blank character is <c>#</c> are skipped; a backslash
/// followed only by spaces or tabs continues the line, and the backslash and those blanks are
/// removed; inside a continuation, comment lines and blank lines are dropped and the next
/// line is appended as written, without trimming its leading blanks. A <c>#</c> after
/// content is ordinary text.
/// </summary>
internal static class SpecLexer
{
    private const char ByteOrderMark = '\uFEFF';

    public static IEnumerable<LogicalLine> Split(string text)
    {
        string[] lines = text.Split('\n');
        if (lines.Length > 0 && lines[0].Length > 0 && lines[0][0] == ByteOrderMark)
        {
            lines[0] = lines[0][1..];
        }

        int index = 0;
        while (index < lines.Length)
        {
            string raw = lines[index].TrimEnd('\r');
            int lineNumber = index + 1;
            index++;
            int leading = CountLeadingWhiteSpace(raw);
            string content = raw[leading..];
            if (content.Length == 0 || content[0] == '#')
            {
                continue;
            }

            var pieces = new List<SourcePiece> { new(0, lineNumber, leading + 1) };
            var joined = new StringBuilder();
            bool continues = TrimContinuation(ref content);
            joined.Append(content);
            while (continues && index < lines.Length)
            {
                string next = lines[index].TrimEnd('\r');
                int nextNumber = index + 1;
                index++;
                string trimmed = next[CountLeadingWhiteSpace(next)..];
                if (trimmed.Length == 0 || trimmed[0] == '#')
                {
                    continue;
                }

                continues = TrimContinuation(ref next);
                pieces.Add(new SourcePiece(joined.Length, nextNumber, 1));
                joined.Append(next);
            }

            if (joined.ToString().AsSpan().Trim().Length > 0)
            {
                yield return new LogicalLine(joined.ToString(), pieces);
            }
        }
    }

    /// <summary>Removes a trailing backslash and the spaces or tabs after it; returns whether there was one.</summary>
    private static bool TrimContinuation(ref string line)
    {
        int end = line.Length;
        while (end > 0 && (line[end - 1] == ' ' || line[end - 1] == '\t'))
        {
            end--;
        }

        if (end > 0 && line[end - 1] == '\\')
        {
            line = line[..(end - 1)];
            return true;
        }

        return false;
    }

    private static int CountLeadingWhiteSpace(string line)
    {
        int count = 0;
        while (count < line.Length && char.IsWhiteSpace(line[count]))
        {
            count++;
        }

        return count;
    }
}
