using CookieCutter.Engine.Build;
using Xunit;

namespace CookieCutter.Engine.Tests;

public sealed class BuildRootedPathTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("cc-rooted-test-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    [Fact]
    public void AbsoluteLinkStaysInsideRoot()
    {
        Directory.CreateDirectory(Path.Combine(root, "etc"));
        File.CreateSymbolicLink(Path.Combine(root, "srv"), "/etc");

        Assert.Equal(Path.Combine(root, "etc", "passwd"), RootedPath.Resolve(root, "/srv/passwd"));
    }

    [Fact]
    public void DotDotStopsAtRoot()
    {
        Assert.Equal(Path.Combine(root, "etc"), RootedPath.Resolve(root, "/../../etc"));
    }

    [Fact]
    public void RelativeLinkClimbingOutStopsAtRoot()
    {
        Directory.CreateDirectory(Path.Combine(root, "a"));
        File.CreateSymbolicLink(Path.Combine(root, "a", "up"), "../../../tmp");

        Assert.Equal(Path.Combine(root, "tmp"), RootedPath.Resolve(root, "/a/up"));
    }

    [Fact]
    public void CreateDirectoriesThroughLinkStaysInside()
    {
        File.CreateSymbolicLink(Path.Combine(root, "escape"), "/");

        string created = RootedPath.CreateDirectories(root, "/escape/made/here");

        Assert.Equal(Path.Combine(root, "made", "here"), created);
        Assert.True(Directory.Exists(created));
    }

    [Fact]
    public void CreateDirectoriesOverFileIsError()
    {
        File.WriteAllText(Path.Combine(root, "file"), "x");

        CcException error = Assert.Throws<CcException>(() => RootedPath.CreateDirectories(root, "/file/sub"));

        Assert.Equal("NotADirectory", error.ErrorId);
    }

    [Fact]
    public void LinkLoopIsError()
    {
        File.CreateSymbolicLink(Path.Combine(root, "loop"), "/loop");

        CcException error = Assert.Throws<CcException>(() => RootedPath.Resolve(root, "/loop/x"));

        Assert.Equal("SymbolicLinkLoop", error.ErrorId);
    }
}
