using CookieCutter.Engine.Build;
using Xunit;

namespace CookieCutter.Engine.Tests;

public class IgnoreTests
{
    private static IgnoreMatcher Rules(string text) => IgnoreMatcher.Parse(text, ".ccignore");

    [Theory]
    [InlineData("secret.txt", "secret.txt", true)]
    [InlineData("secret.txt", "other.txt", false)]
    [InlineData("/secret.txt", "secret.txt", true)]
    [InlineData("./secret.txt", "secret.txt", true)]
    [InlineData("*.log", "app.log", true)]
    [InlineData("*.log", "logs/app.log", false)]
    [InlineData("*/*.log", "logs/app.log", true)]
    [InlineData("**/*.log", "app.log", true)]
    [InlineData("**/*.log", "a/b/c/app.log", true)]
    [InlineData("build", "build/out/x.o", true)]
    [InlineData("build/", "build/x.o", true)]
    [InlineData("docs/**", "docs/a/b.md", true)]
    [InlineData("docs/**", "docs", false)]
    [InlineData("a/**/z", "a/z", true)]
    [InlineData("a/**/z", "a/b/c/z", true)]
    [InlineData("file?.txt", "file1.txt", true)]
    [InlineData("file?.txt", "file10.txt", false)]
    [InlineData("file[0-9].txt", "file5.txt", true)]
    [InlineData("file[^0-9].txt", "file5.txt", false)]
    [InlineData("a.b", "axb", false)]
    [InlineData("\\*.txt", "*.txt", true)]
    [InlineData("\\*.txt", "a.txt", false)]
    [InlineData("(x)+", "(x)+", true)]
    [InlineData("  padded  ", "padded", true)]
    [InlineData("a/../b", "b", true)]
    public void PatternMatchesLikeDockerignore(string pattern, string path, bool excluded)
    {
        Assert.Equal(excluded, Rules(pattern).IsExcluded(path));
    }

    [Fact]
    public void ExceptionIncludesAgain()
    {
        IgnoreMatcher rules = Rules("*.md\n!README.md\n");

        Assert.True(rules.IsExcluded("CHANGES.md"));
        Assert.False(rules.IsExcluded("README.md"));
    }

    [Fact]
    public void LastMatchingPatternWins()
    {
        IgnoreMatcher rules = Rules("*.md\n!README*.md\nREADME-secret.md\n");

        Assert.False(rules.IsExcluded("README.md"));
        Assert.True(rules.IsExcluded("README-secret.md"));
    }

    [Fact]
    public void ExceptionInsideExcludedFolder()
    {
        IgnoreMatcher rules = Rules("docs\n!docs/keep.md\n");

        Assert.True(rules.IsExcluded("docs/drop.md"));
        Assert.False(rules.IsExcluded("docs/keep.md"));
        Assert.True(rules.HasExceptions);
    }

    [Fact]
    public void CommentOnlyInFirstColumn()
    {
        IgnoreMatcher rules = Rules("# a comment\n #b\n");

        Assert.Equal(1, rules.Count);
        Assert.False(rules.IsExcluded("a comment"));
        Assert.True(rules.IsExcluded("#b"));
    }

    [Fact]
    public void BlankLinesAndCrlfIgnored()
    {
        IgnoreMatcher rules = Rules("\r\n  \r\nsecret\r\n");

        Assert.Equal(1, rules.Count);
        Assert.True(rules.IsExcluded("secret"));
    }

    [Fact]
    public void EmptyRulesExcludeNothing()
    {
        Assert.False(IgnoreMatcher.None.IsExcluded("anything"));
        Assert.False(Rules("*").IsExcluded("."));
    }

    [Fact]
    public void StarExcludesEverything()
    {
        IgnoreMatcher rules = Rules("*\n!app\n");

        Assert.True(rules.IsExcluded("notes.txt"));
        Assert.False(rules.IsExcluded("app"));
        Assert.False(rules.IsExcluded("app/main.sh"));
    }

    [Fact]
    public void MalformedPatternIsError()
    {
        CcException error = Assert.Throws<CcException>(() => Rules("file[.txt\n"));

        Assert.Equal("InvalidIgnorePattern", error.ErrorId);
        Assert.Contains("line 1", error.Message);
    }

    [Theory]
    [InlineData("a//b/./c", "a/b/c")]
    [InlineData("a/../../b", "../b")]
    [InlineData("/../a", "/a")]
    [InlineData("", ".")]
    [InlineData("./", ".")]
    public void CleanPathLikeGo(string path, string expected)
    {
        Assert.Equal(expected, IgnoreMatcher.CleanPath(path));
    }
}
