using CookieCutter.Engine.Store;
using Xunit;

namespace CookieCutter.Engine.Tests;

public sealed class VolumeSpecTests : IDisposable
{
    private readonly string hostFolder = Directory.CreateTempSubdirectory("cc-volume-test-").FullName;

    public void Dispose() => Directory.Delete(hostFolder, recursive: true);

    [Fact]
    public void ParsesDirectoryVolume()
    {
        VolumeSpec volume = VolumeSpec.Parse($"{hostFolder}:/data");

        Assert.Equal(hostFolder, volume.HostPath);
        Assert.Equal("/data", volume.ContainerPath);
        Assert.False(volume.ReadOnly);
    }

    [Fact]
    public void ParsesFileVolume()
    {
        string file = Path.Combine(hostFolder, "settings.conf");
        File.WriteAllText(file, "x");

        VolumeSpec volume = VolumeSpec.Parse($"{file}:/etc/app.conf:ro");

        Assert.Equal(file, volume.HostPath);
        Assert.Equal("/etc/app.conf", volume.ContainerPath);
        Assert.True(volume.ReadOnly);
    }

    [Theory]
    [InlineData("ro", true)]
    [InlineData("rw", false)]
    public void ParsesMode(string mode, bool readOnly)
    {
        Assert.Equal(readOnly, VolumeSpec.Parse($"{hostFolder}:/data:{mode}").ReadOnly);
    }

    [Theory]
    [InlineData("/data//sub/./dir/", "/data/sub/dir")]
    [InlineData("/./data", "/data")]
    [InlineData("//data", "/data")]
    public void NormalizesContainerPath(string containerPath, string expected)
    {
        Assert.Equal(expected, VolumeSpec.Parse($"{hostFolder}:{containerPath}").ContainerPath);
    }

    [Fact]
    public void RoundTripsThroughText()
    {
        VolumeSpec volume = VolumeSpec.Parse($"{hostFolder}:/data:ro");

        Assert.Equal(volume, VolumeSpec.Parse(volume.ToString()));
    }

    [Fact]
    public void RejectsMissingHostPath()
    {
        string missing = Path.Combine(hostFolder, "missing");

        CcException error = Assert.Throws<CcException>(() => VolumeSpec.Parse($"{missing}:/data"));

        Assert.Equal("VolumeSourceNotFound", error.ErrorId);
        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("HOST:data")]
    [InlineData("HOST:./data")]
    [InlineData("HOST:../data")]
    [InlineData("relative:/data")]
    [InlineData("HOST:/data/../../etc")]
    [InlineData("HOST:/..")]
    [InlineData("HOST:/data/..")]
    [InlineData("HOST:/")]
    [InlineData("HOST:/.")]
    [InlineData("HOST://")]
    [InlineData("HOST")]
    [InlineData("")]
    [InlineData("HOST:")]
    [InlineData(":/data")]
    [InlineData("HOST:/data:rx")]
    [InlineData("HOST:/data:ro:ro")]
    [InlineData("HOST:/data\n/etc")]
    [InlineData("HOST:/da\0ta")]
    [InlineData("HOST:/data\t")]
    public void RejectsInvalidSpec(string spec)
    {
        string text = spec.Replace("HOST", hostFolder, StringComparison.Ordinal);

        CcException error = Assert.Throws<CcException>(() => VolumeSpec.Parse(text));

        Assert.Equal("InvalidVolume", error.ErrorId);
        Assert.Equal(CcErrorKind.InvalidArgument, error.Kind);
    }

    [Fact]
    public void RejectsHostPathWithControlCharacters()
    {
        string odd = Path.Combine(hostFolder, "new\nline");
        Directory.CreateDirectory(odd);

        CcException error = Assert.Throws<CcException>(() => VolumeSpec.Parse($"{odd}:/data"));

        Assert.Equal("InvalidVolume", error.ErrorId);
    }

    [Fact]
    public void MessageShowsSpecAndReason()
    {
        CcException error = Assert.Throws<CcException>(() => VolumeSpec.Parse($"{hostFolder}:/a/../b"));

        Assert.Contains($"'{hostFolder}:/a/../b'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'..'", error.Message, StringComparison.Ordinal);
    }
}
