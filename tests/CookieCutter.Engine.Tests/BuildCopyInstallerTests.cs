using CookieCutter.Engine.Build;
using Xunit;

namespace CookieCutter.Engine.Tests;

public sealed class BuildCopyInstallerTests : IDisposable
{
    private readonly string temporary = Directory.CreateTempSubdirectory("cc-copy-test-").FullName;
    private readonly string context;
    private readonly string root;

    public BuildCopyInstallerTests()
    {
        context = Path.Combine(temporary, "context");
        root = Path.Combine(temporary, "root");
        Directory.CreateDirectory(Path.Combine(context, "app", "lib"));
        Directory.CreateDirectory(root);
        File.WriteAllText(Path.Combine(context, "app", "run.sh"), "run");
        File.WriteAllText(Path.Combine(context, "app", "lib", "util"), "util");
        File.WriteAllText(Path.Combine(context, "one.txt"), "one");
        File.SetUnixFileMode(Path.Combine(context, "app", "run.sh"), (UnixFileMode)0b111_101_000);
    }

    public void Dispose() => Directory.Delete(temporary, recursive: true);

    private IReadOnlyList<CopySource> Sources(params string[] names) =>
        names.SelectMany(new BuildContext(context).Resolve).ToList();

    [Fact]
    public void FileToNewPath()
    {
        CopyInstaller.Install(root, Sources("one.txt"), "/srv/renamed", null, (0, 0));

        Assert.Equal("one", File.ReadAllText(Path.Combine(root, "srv", "renamed")));
    }

    [Fact]
    public void FileIntoFolderEndingWithSlash()
    {
        CopyInstaller.Install(root, Sources("one.txt"), "/srv/", null, (0, 0));

        Assert.Equal("one", File.ReadAllText(Path.Combine(root, "srv", "one.txt")));
    }

    [Fact]
    public void FileIntoExistingFolder()
    {
        Directory.CreateDirectory(Path.Combine(root, "existing"));

        CopyInstaller.Install(root, Sources("one.txt"), "/existing", null, (0, 0));

        Assert.True(File.Exists(Path.Combine(root, "existing", "one.txt")));
    }

    [Fact]
    public void FolderContentsWithModes()
    {
        CopyInstaller.Install(root, Sources("app"), "/opt/app", null, (0, 0));

        Assert.Equal("util", File.ReadAllText(Path.Combine(root, "opt", "app", "lib", "util")));
        Assert.Equal((UnixFileMode)0b111_101_000, File.GetUnixFileMode(Path.Combine(root, "opt", "app", "run.sh")));
        Assert.False(Directory.Exists(Path.Combine(root, "opt", "app", "app")));
    }

    [Fact]
    public void ChmodReplacesModes()
    {
        CopyInstaller.Install(root, Sources("app"), "/a", (UnixFileMode)0b110_100_000, (0, 0));

        Assert.Equal((UnixFileMode)0b110_100_000, File.GetUnixFileMode(Path.Combine(root, "a", "run.sh")));
    }

    [Fact]
    public void ReplacesFileAndLinkButNotFolder()
    {
        File.WriteAllText(Path.Combine(root, "old"), "old");
        File.CreateSymbolicLink(Path.Combine(root, "link"), "/etc/passwd");
        Directory.CreateDirectory(Path.Combine(root, "dir", "one.txt"));

        CopyInstaller.Install(root, Sources("one.txt"), "/old", null, (0, 0));
        CopyInstaller.Install(root, Sources("one.txt"), "/link", null, (0, 0));
        CcException error = Assert.Throws<CcException>(() => CopyInstaller.Install(root, Sources("one.txt"), "/dir/", null, (0, 0)));

        Assert.Equal("one", File.ReadAllText(Path.Combine(root, "old")));
        Assert.Null(new FileInfo(Path.Combine(root, "link")).LinkTarget);
        Assert.Equal("CopyDestinationIsFolder", error.ErrorId);
    }

    [Fact]
    public void DestinationThroughImageLinkStaysInRoot()
    {
        File.CreateSymbolicLink(Path.Combine(root, "data"), Path.Combine(temporary, "host-only"));

        CopyInstaller.Install(root, Sources("one.txt"), "/data/", null, (0, 0));

        Assert.False(Directory.Exists(Path.Combine(temporary, "host-only")));
        Assert.True(File.Exists(root + Path.Combine(temporary, "host-only", "one.txt")));
    }

    [Fact]
    public void SeveralSourcesNeedFolder()
    {
        CcException error = Assert.Throws<CcException>(() => CopyInstaller.Install(root, Sources("one.txt", "app/run.sh"), "/file", null, (0, 0)));

        Assert.Equal("CopyDestinationNotFolder", error.ErrorId);
    }
}
