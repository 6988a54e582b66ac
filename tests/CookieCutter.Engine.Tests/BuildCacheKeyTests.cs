using CookieCutter.Engine.Build;
using Xunit;

namespace CookieCutter.Engine.Tests;

public sealed class BuildCacheKeyTests : IDisposable
{
    private readonly string context = Directory.CreateTempSubdirectory("cc-key-test-").FullName;

    public BuildCacheKeyTests()
    {
        Directory.CreateDirectory(Path.Combine(context, "app"));
        File.WriteAllText(Path.Combine(context, "app", "main.sh"), "echo one\n");
    }

    public void Dispose() => Directory.Delete(context, recursive: true);

    private string CopyKey(string parent = "parent") =>
        StepCacheKey.Compute(parent, "COPY app /app", new BuildContext(context).Resolve("app"));

    [Fact]
    public void KeyIsStableHex()
    {
        string key = StepCacheKey.Compute("parent", "RUN true");

        Assert.Equal(32, key.Length);
        Assert.Matches("^[0-9a-f]{32}$", key);
        Assert.Equal(key, StepCacheKey.Compute("parent", "RUN true"));
    }

    [Fact]
    public void ParentAndInstructionChangeKey()
    {
        string key = StepCacheKey.Compute("parent", "RUN true");

        Assert.NotEqual(key, StepCacheKey.Compute("other", "RUN true"));
        Assert.NotEqual(key, StepCacheKey.Compute("parent", "RUN false"));
    }

    [Fact]
    public void FieldBoundariesMatter()
    {
        Assert.NotEqual(StepCacheKey.Compute("ab", "c"), StepCacheKey.Compute("a", "bc"));
    }

    [Fact]
    public void CopyKeyIgnoresTimestamps()
    {
        string before = CopyKey();
        File.SetLastWriteTimeUtc(Path.Combine(context, "app", "main.sh"), new DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc));

        Assert.Equal(before, CopyKey());
    }

    [Fact]
    public void CopyKeyChangesWithContent()
    {
        string before = CopyKey();
        File.WriteAllText(Path.Combine(context, "app", "main.sh"), "echo two\n");

        Assert.NotEqual(before, CopyKey());
    }

    [Fact]
    public void CopyKeyChangesWithMode()
    {
        string before = CopyKey();
        File.SetUnixFileMode(Path.Combine(context, "app", "main.sh"), (UnixFileMode)0b111_101_101);

        Assert.NotEqual(before, CopyKey());
    }

    [Fact]
    public void CopyKeyChangesWithNewFile()
    {
        string before = CopyKey();
        File.WriteAllText(Path.Combine(context, "app", "extra"), string.Empty);

        Assert.NotEqual(before, CopyKey());
    }

    [Fact]
    public void CopyKeyIgnoresIgnoredFile()
    {
        File.WriteAllText(Path.Combine(context, ".ccignore"), "app/*.log\n");
        string before = CopyKey();
        File.WriteAllText(Path.Combine(context, "app", "debug.log"), "noise");

        Assert.Equal(before, CopyKey());
    }

    [Fact]
    public void CopyKeyChangesWithLinkTarget()
    {
        File.CreateSymbolicLink(Path.Combine(context, "app", "link"), "main.sh");
        string before = CopyKey();
        File.Delete(Path.Combine(context, "app", "link"));
        File.CreateSymbolicLink(Path.Combine(context, "app", "link"), "other");

        Assert.NotEqual(before, CopyKey());
    }
}
