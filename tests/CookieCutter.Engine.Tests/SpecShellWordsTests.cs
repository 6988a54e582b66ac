using CookieCutter.Engine.Spec;
using Xunit;

namespace CookieCutter.Engine.Tests;

public class SpecShellWordsTests
{
    private static readonly Dictionary<string, string> Variables = new()
    {
        ["NAME"] = "world",
        ["EMPTY"] = string.Empty,
        ["DIR"] = "/srv/app",
    };

    private static string Expand(string word) =>
        ShellWords.Expand(word, name => Variables.TryGetValue(name, out string? value) ? value : null);

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("$NAME", "world")]
    [InlineData("${NAME}", "world")]
    [InlineData("hello-$NAME!", "hello-world!")]
    [InlineData("${DIR}/bin", "/srv/app/bin")]
    [InlineData("$UNSET", "")]
    [InlineData("${UNSET:-fallback}", "fallback")]
    [InlineData("${EMPTY:-fallback}", "fallback")]
    [InlineData("${EMPTY-fallback}", "")]
    [InlineData("${NAME:+set}", "set")]
    [InlineData("${UNSET:+set}", "")]
    [InlineData("${UNSET:-${NAME}}", "world")]
    [InlineData("'$NAME'", "$NAME")]
    [InlineData("\"$NAME\"", "world")]
    [InlineData("\"a \\\"b\\\" \\$NAME\"", "a \"b\" $NAME")]
    [InlineData("\\$NAME", "$NAME")]
    [InlineData("x\\ y", "x y")]
    [InlineData("$", "$")]
    [InlineData("a$1", "a$1")]
    public void ExpandsLikeDocker(string word, string expected)
    {
        Assert.Equal(expected, Expand(word));
    }

    [Theory]
    [InlineData("${NAME")]
    [InlineData("${}")]
    [InlineData("${NAME%x}")]
    [InlineData("'open")]
    [InlineData("\"open")]
    [InlineData("${UNSET:?needs a value}")]
    public void MalformedWordThrowsExpansionError(string word)
    {
        Assert.Throws<SpecExpansionException>(() => Expand(word));
    }

    [Fact]
    public void SplitKeepsQuotedBlanks()
    {
        var words = ShellWords.Split("A=\"x y\"  B='p q' C=r\\ s");

        Assert.Equal(["A=\"x y\"", "B='p q'", "C=r\\ s"], words.Select(w => w.Text));
        Assert.Equal([0, 9, 17], words.Select(w => w.Offset));
    }
}
