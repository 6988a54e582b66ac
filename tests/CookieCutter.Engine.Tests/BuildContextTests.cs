using CookieCutter.Engine.Build;
using Xunit;

namespace CookieCutter.Engine.Tests;

public sealed class BuildContextTests : IDisposable
{
    private readonly string root;
    private readonly string context;
    private readonly string outside;

    public BuildContextTests()
    {
        root = Directory.CreateTempSubdirectory("cc-context-test-").FullName;
        context = Path.Combine(root, "context");
        outside = Path.Combine(root, "outside");
        Directory.CreateDirectory(Path.Combine(context, "app", "lib"));
        Directory.CreateDirectory(outside);
        File.WriteAllText(Path.Combine(context, "app", "main.sh"), "echo hi\n");
        File.WriteAllText(Path.Combine(context, "app", "lib", "util.sh"), "true\n");
        File.WriteAllText(Path.Combine(context, "notes.txt"), "notes\n");
        File.WriteAllText(Path.Combine(outside, "secret"), "secret\n");
        File.SetUnixFileMode(Path.Combine(context, "app", "main.sh"), (UnixFileMode)0b111_101_101);
    }

    public void Dispose() => Directory.Delete(root, recursive: true);

    private BuildContext Open() => new(context);

    private string Write(string relative, string text)
    {
        string path = Path.Combine(context, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void FileSourceHasOneEntry()
    {
        CopySource source = Assert.Single(Open().Resolve("app/main.sh"));

        Assert.False(source.IsDirectory);
        Assert.Equal("main.sh", source.FileName);
        ContextEntry entry = Assert.Single(source.Entries);
        Assert.Equal(string.Empty, entry.Path);
        Assert.Equal((UnixFileMode)0b111_101_101, entry.Permissions);
    }

    [Fact]
    public void FolderSourceListsContentsParentsFirst()
    {
        CopySource source = Assert.Single(Open().Resolve("app"));

        Assert.True(source.IsDirectory);
        Assert.Equal(["lib", "lib/util.sh", "main.sh"], source.Entries.Select(e => e.Path));
    }

    [Fact]
    public void WholeContextSource()
    {
        CopySource source = Assert.Single(Open().Resolve("."));

        Assert.Equal(".", source.RelativePath);
        Assert.Contains(source.Entries, e => e.Path == "app/lib/util.sh");
        Assert.Contains(source.Entries, e => e.Path == "notes.txt");
    }

    [Fact]
    public void AbsoluteSourceRejected()
    {
        CcException error = Assert.Throws<CcException>(() => Open().Resolve("/etc/passwd"));

        Assert.Equal("CopySourceOutsideContext", error.ErrorId);
        Assert.Contains("absolute", error.Message);
    }

    [Theory]
    [InlineData("..")]
    [InlineData("../outside/secret")]
    [InlineData("app/../../outside/secret")]
    public void DotDotLeavingContextRejected(string source)
    {
        CcException error = Assert.Throws<CcException>(() => Open().Resolve(source));

        Assert.Equal("CopySourceOutsideContext", error.ErrorId);
    }

    [Fact]
    public void DotDotStayingInsideAllowed()
    {
        CopySource source = Assert.Single(Open().Resolve("app/../notes.txt"));

        Assert.Equal("notes.txt", source.RelativePath);
    }

    [Fact]
    public void SymlinkOutsideRejected()
    {
        File.CreateSymbolicLink(Path.Combine(context, "escape"), Path.Combine(outside, "secret"));

        CcException error = Assert.Throws<CcException>(() => Open().Resolve("escape"));

        Assert.Equal("CopySourceOutsideContext", error.ErrorId);
        Assert.Contains("symbolic link", error.Message);
    }

    [Fact]
    public void RelativeSymlinkOutsideRejected()
    {
        File.CreateSymbolicLink(Path.Combine(context, "up"), "../outside");

        CcException error = Assert.Throws<CcException>(() => Open().Resolve("up/secret"));

        Assert.Equal("CopySourceOutsideContext", error.ErrorId);
    }

    [Fact]
    public void SymlinkLoopRejected()
    {
        File.CreateSymbolicLink(Path.Combine(context, "loop"), "loop");

        CcException error = Assert.Throws<CcException>(() => Open().Resolve("loop"));

        Assert.Equal("CopySourceOutsideContext", error.ErrorId);
    }

    [Fact]
    public void SymlinkSourceCopiedAsTarget()
    {
        File.CreateSymbolicLink(Path.Combine(context, "link.sh"), "app/main.sh");

        CopySource source = Assert.Single(Open().Resolve("link.sh"));

        Assert.Equal("app/main.sh", source.RelativePath);
        Assert.Equal("link.sh", source.FileName);
        Assert.Equal(FileKind.File, Assert.Single(source.Entries).Kind);
    }

    [Fact]
    public void AbsoluteSymlinkInsideContextAllowed()
    {
        File.CreateSymbolicLink(Path.Combine(context, "abs"), Path.Combine(context, "notes.txt"));

        CopySource source = Assert.Single(Open().Resolve("abs"));

        Assert.Equal("notes.txt", source.RelativePath);
    }

    [Fact]
    public void SymlinkInsideFolderStaysLink()
    {
        File.CreateSymbolicLink(Path.Combine(context, "app", "to-secret"), Path.Combine(outside, "secret"));

        CopySource source = Assert.Single(Open().Resolve("app"));

        ContextEntry link = Assert.Single(source.Entries, e => e.Path == "to-secret");
        Assert.Equal(FileKind.SymbolicLink, link.Kind);
        Assert.Equal(Path.Combine(outside, "secret"), link.LinkTarget);
    }

    [Fact]
    public void MissingSourceNotFound()
    {
        CcException error = Assert.Throws<CcException>(() => Open().Resolve("nope"));

        Assert.Equal("CopySourceNotFound", error.ErrorId);
    }

    [Fact]
    public void MissingContextNotFound()
    {
        CcException error = Assert.Throws<CcException>(() => new BuildContext(Path.Combine(root, "missing")));

        Assert.Equal("BuildContextNotFound", error.ErrorId);
    }

    [Fact]
    public void IgnoredFilesLeftOut()
    {
        Write(".ccignore", "*.txt\napp/lib\n");

        CopySource source = Assert.Single(Open().Resolve("."));

        Assert.DoesNotContain(source.Entries, e => e.Path == "notes.txt");
        Assert.DoesNotContain(source.Entries, e => e.Path.StartsWith("app/lib", StringComparison.Ordinal));
        Assert.Contains(source.Entries, e => e.Path == "app/main.sh");
    }

    [Fact]
    public void IgnoreExceptionInsideExcludedFolder()
    {
        Write(".ccignore", "app\n!app/lib/util.sh\n");

        CopySource source = Assert.Single(Open().Resolve("."));

        Assert.Contains(source.Entries, e => e.Path == "app/lib/util.sh");
        Assert.Contains(source.Entries, e => e.Path == "app/lib");
        Assert.DoesNotContain(source.Entries, e => e.Path == "app/main.sh");
    }

    [Fact]
    public void ExcludedNamedSourceIsError()
    {
        Write(".ccignore", "notes.txt\n");

        CcException error = Assert.Throws<CcException>(() => Open().Resolve("notes.txt"));

        Assert.Equal("CopySourceExcluded", error.ErrorId);
    }

    [Fact]
    public void WildcardSourcesExpanded()
    {
        Write("b.txt", "b");

        IReadOnlyList<CopySource> sources = Open().Resolve("*.txt");

        Assert.Equal(["b.txt", "notes.txt"], sources.Select(s => s.RelativePath));
    }

    [Fact]
    public void WildcardInFolderSegment()
    {
        IReadOnlyList<CopySource> sources = Open().Resolve("a*/*.sh");

        Assert.Equal(["app/main.sh"], sources.Select(s => s.RelativePath));
    }

    [Fact]
    public void WildcardSkipsIgnoredMatches()
    {
        Write("b.txt", "b");
        Write(".ccignore", "notes.txt\n");

        IReadOnlyList<CopySource> sources = Open().Resolve("*.txt");

        Assert.Equal(["b.txt"], sources.Select(s => s.RelativePath));
    }

    [Fact]
    public void WildcardWithoutMatchIsNotFound()
    {
        CcException error = Assert.Throws<CcException>(() => Open().Resolve("*.none"));

        Assert.Equal("CopySourceNotFound", error.ErrorId);
    }
}
