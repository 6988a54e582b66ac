using System.Diagnostics;
using CookieCutter.Engine.Spec;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace CookieCutter.Engine.Tests;

public class SpecPropertyTests
{
    private static readonly string[] Fragments =
    [
        "FROM", "from", "RUN", "COPY", "ENV", "ARG", "WORKDIR", "USER", "LABEL", "CMD", "ADD", "BOGUS",
        " ", "  ", "\t", "\n", "\r\n", "\r", "\\", "\\ ", "#", "# c", "=", "==", "--", "--from=", "--chmod=7",
        "--chown=a:b", "--x", "[", "]", "[\"a\"", "\"", "'", "$", "${", "}", ":-", "x", "a b", "/", "..", "\uFEFF", "\0",
    ];

    private static Arbitrary<string> SpecTexts() =>
        Gen.Elements(Fragments).ListOf().Select(parts => string.Concat(parts)).ToArbitrary();

    [Property(MaxTest = 2000)]
    public Property ParseNeverThrows() =>
        Prop.ForAll(SpecTexts(), text =>
        {
            var watch = Stopwatch.StartNew();
            SpecParseResult result = SpecParser.Parse(text, "random.ccspec");
            return watch.Elapsed < TimeSpan.FromSeconds(2) && (result.IsValid ? result.Steps.Count > 0 : result.Steps.Count == 0);
        });

    [Property(MaxTest = 500)]
    public Property ParseOfArbitraryStringNeverThrows(string? text) =>
        Prop.ToProperty(SpecParser.Parse(text ?? string.Empty, "random.ccspec").Errors.All(e => e.Line >= 1 && e.Column >= 1));

    [Property(MaxTest = 2000)]
    public Property ExpandThrowsOnlyExpansionErrors() =>
        Prop.ForAll(SpecTexts(), text =>
        {
            try
            {
                ShellWords.Expand(text, name => name == "x" ? "value" : null);
            }
            catch (SpecExpansionException)
            {
            }

            return true;
        });
}
