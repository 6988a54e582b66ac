using CookieCutter.Engine.Store;
using Xunit;

namespace CookieCutter.Engine.Tests;

public class NamesTests
{
    public static TheoryData<string> InvalidNames => new()
    {
        string.Empty,
        ".",
        "..",
        "../x",
        "a/b",
        "/abs",
        "x/..",
        ".hidden",
        "-flag",
        "_under",
        "a b",
        "tab\there",
        "new\nline",
        "trailing\n",
        "star*",
        "semi;colon",
        "at@sign",
        "colon:name",
        "back\\slash",
        "caf\u00e9",
        "nul\0byte",
        new string('a', Names.MaxLength + 1),
    };

    [Theory]
    [InlineData("a")]
    [InlineData("web")]
    [InlineData("Web-01")]
    [InlineData("bookworm-bootstrap")]
    [InlineData("my_app.v2")]
    [InlineData("9lives")]
    [InlineData("a..b")]
    [InlineData("2024-05-01_10-20-30_123456789.ab12Cd")]
    public void AcceptsSafeNames(string name)
    {
        Assert.True(Names.IsValid(name));
        Assert.Equal(name, Names.Validate(name, "container"));
    }

    [Fact]
    public void AcceptsMaximumLength()
    {
        string name = new('a', Names.MaxLength);

        Assert.True(Names.IsValid(name));
    }

    [Theory]
    [MemberData(nameof(InvalidNames))]
    public void RejectsUnsafeNames(string name)
    {
        Assert.False(Names.IsValid(name));
    }

    [Theory]
    [MemberData(nameof(InvalidNames))]
    public void ValidateThrowsInvalidName(string name)
    {
        CcException error = Assert.Throws<CcException>(() => Names.Validate(name, "image"));

        Assert.Equal("InvalidName", error.ErrorId);
        Assert.Equal(CcErrorKind.InvalidArgument, error.Kind);
        Assert.Equal(name, error.Target);
    }

    [Fact]
    public void RejectsNull()
    {
        Assert.False(Names.IsValid(null));
        CcException error = Assert.Throws<CcException>(() => Names.Validate(null, "container"));
        Assert.Equal("InvalidName", error.ErrorId);
    }

    [Fact]
    public void MessageNamesKindValueAndRule()
    {
        CcException error = Assert.Throws<CcException>(() => Names.Validate("../x", "container"));

        Assert.Contains("container name '../x'", error.Message, StringComparison.Ordinal);
        Assert.Contains("1 to 128 characters", error.Message, StringComparison.Ordinal);
        Assert.Contains("starts with a letter or digit", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MessageShortensLongNames()
    {
        string name = new('x', 5000);

        CcException error = Assert.Throws<CcException>(() => Names.Validate(name, "image"));

        Assert.True(error.Message.Length < 500, error.Message);
        Assert.Contains("...", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("../x")]
    [InlineData("a/b")]
    [InlineData("")]
    public void StorePathsRejectUnsafeNames(string name)
    {
        var paths = new StorePaths("/var/tmp/cc-names-test");

        Assert.Equal("InvalidName", Assert.Throws<CcException>(() => paths.Container(name)).ErrorId);
        Assert.Equal("InvalidName", Assert.Throws<CcException>(() => paths.Image(name)).ErrorId);
        Assert.Equal("InvalidName", Assert.Throws<CcException>(() => paths.ContainerLock(name)).ErrorId);
        Assert.Equal("InvalidName", Assert.Throws<CcException>(() => paths.ImageLock(name)).ErrorId);
        Assert.Equal("InvalidName", Assert.Throws<CcException>(() => paths.ImageVersion("web", name)).ErrorId);
    }

    [Theory]
    [InlineData("../x")]
    [InlineData("web@../x")]
    [InlineData("web@")]
    [InlineData("@v1")]
    [InlineData("a/b@v1")]
    [InlineData("web@v1@v2")]
    public void ImageReferenceRejectsUnsafeParts(string text)
    {
        CcException error = Assert.Throws<CcException>(() => ImageReference.Parse(text));

        Assert.Equal("InvalidName", error.ErrorId);
    }

    [Fact]
    public void ImageReferenceParsesVersion()
    {
        ImageReference reference = ImageReference.Parse("web@2024-05-01_10-20-30_123456789.ab12Cd");

        Assert.Equal("web", reference.Name);
        Assert.Equal("2024-05-01_10-20-30_123456789.ab12Cd", reference.Version);
    }
}
