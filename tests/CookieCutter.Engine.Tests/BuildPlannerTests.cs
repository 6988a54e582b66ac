using CookieCutter.Engine.Build;
using CookieCutter.Engine.Spec;
using CookieCutter.Engine.Store;
using Xunit;

namespace CookieCutter.Engine.Tests;

public sealed class BuildPlannerTests : IDisposable
{
    private readonly string context = Directory.CreateTempSubdirectory("cc-plan-test-").FullName;

    public BuildPlannerTests()
    {
        File.WriteAllText(Path.Combine(context, "app.txt"), "app");
    }

    public void Dispose() => Directory.Delete(context, recursive: true);

    private static ImageInfo FakeImage(string name, ImageConfig? config = null) =>
        new(name, "v1", DateTime.UtcNow, "empty", 2, 0, isCurrent: true, $"/store/images/{name}/versions/v1", config ?? ImageConfig.Empty);

    private BuildPlan Plan(string spec, Dictionary<string, string>? buildArguments = null, ImageConfig? baseConfig = null)
    {
        SpecParseResult parsed = SpecParser.Parse(spec, "test.ccspec");
        parsed.ThrowIfInvalid();
        var planner = new BuildPlanner(
            new BuildContext(context),
            buildArguments ?? [],
            reference => reference.Name == "missing"
                ? throw new CcException("ImageNotFound", CcErrorKind.NotFound, "Image 'missing' was not found.")
                : FakeImage(reference.Name, baseConfig),
            image => $"{image.Name}/versions/{image.Version}");
        return planner.Plan(parsed.Steps);
    }

    [Fact]
    public void GlobalArgumentNamesBaseImage()
    {
        BuildPlan plan = Plan("ARG SUITE=bookworm\nFROM $SUITE\n", new() { ["SUITE"] = "trixie" });

        Assert.Equal("trixie", plan.BaseImage.Name);
        Assert.Empty(plan.UnusedArguments);
    }

    [Fact]
    public void GlobalArgumentInvisibleAfterFromUnlessDeclared()
    {
        BuildPlan plan = Plan("ARG V=one\nFROM base\nENV A=$V\nARG V\nENV B=$V\n");

        Assert.Equal(string.Empty, plan.Config.Environment["A"]);
        Assert.Equal("one", plan.Config.Environment["B"]);
    }

    [Fact]
    public void EnvWinsOverArgument()
    {
        BuildPlan plan = Plan("FROM base\nARG X=from-arg\nENV X=from-env\nENV Y=$X\nRUN true\n");

        Assert.Equal("from-env", plan.Config.Environment["Y"]);
        Assert.Equal("from-env", plan.Steps[^1].Environment["X"]);
    }

    [Fact]
    public void RunEnvironmentHasArgumentsAndPath()
    {
        BuildPlan plan = Plan("FROM base\nARG FLAVOUR=plain\nRUN echo $FLAVOUR\n");

        PlannedStep run = plan.Steps[^1];
        Assert.Equal("plain", run.Environment["FLAVOUR"]);
        Assert.Contains("/usr/bin", run.Environment["PATH"]);
        Assert.Equal(["/bin/sh", "-c", "echo $FLAVOUR"], run.Command);
        Assert.False(plan.Config.Environment.ContainsKey("FLAVOUR"));
    }

    [Fact]
    public void BaseImageSettingsCarryOn()
    {
        var baseConfig = new ImageConfig
        {
            Environment = new Dictionary<string, string> { ["PATH"] = "/custom" },
            WorkingDirectory = "/base",
            User = "daemon",
        };

        BuildPlan plan = Plan("FROM base\nWORKDIR sub\nRUN pwd\n", baseConfig: baseConfig);

        Assert.Equal("/base/sub", plan.Config.WorkingDirectory);
        Assert.Equal("daemon", plan.Config.User);
        Assert.Equal("/custom", plan.Steps[^1].Environment["PATH"]);
    }

    [Fact]
    public void CmdShellAndExecForm()
    {
        Assert.Equal(["/bin/sh", "-c", "serve --port 80"], Plan("FROM base\nCMD serve --port 80\n").Config.Command);
        Assert.Equal(["serve", "--port", "80"], Plan("FROM base\nCMD [\"serve\", \"--port\", \"80\"]\n").Config.Command);
    }

    [Fact]
    public void CopyDestinationRelativeToWorkdir()
    {
        BuildPlan plan = Plan("FROM base\nWORKDIR /srv\nCOPY app.txt conf/\nCOPY app.txt\n");

        Assert.Equal("/srv/conf/", plan.Steps[1].Destination);
        Assert.Equal("/srv/", plan.Steps[2].Destination);
    }

    [Fact]
    public void CopyWithoutWorkdirTargetsRoot()
    {
        BuildPlan plan = Plan("FROM base\nCOPY app.txt\nCOPY app.txt rel\n");

        Assert.Equal("/", plan.Steps[0].Destination);
        Assert.Equal("/rel", plan.Steps[1].Destination);
    }

    [Fact]
    public void UnusedBuildArgumentReported()
    {
        BuildPlan plan = Plan("FROM base\n", new() { ["NOPE"] = "1" });

        Assert.Equal(["NOPE"], plan.UnusedArguments);
    }

    [Fact]
    public void OnlySettingsStepsMakeNoLayer()
    {
        BuildPlan plan = Plan("FROM base\nENV A=1\nLABEL b=2\nUSER x\nCMD y\nARG Z\nWORKDIR /w\nRUN true\nCOPY app.txt /\n");

        Assert.Equal(
            [false, false, false, false, false, true, true, true],
            plan.Steps.Select(s => s.MakesLayer));
    }

    [Fact]
    public void KeysChainThroughSettingsSteps()
    {
        string plain = Plan("FROM base\nENV A=1\nRUN true\n").Steps[^1].Key;
        string changed = Plan("FROM base\nENV A=2\nRUN true\n").Steps[^1].Key;

        Assert.NotEqual(plain, changed);
    }

    [Fact]
    public void KeyChangesWithArgumentValue()
    {
        string plain = Plan("FROM base\nARG X=1\nRUN true\n").Steps[^1].Key;
        string overridden = Plan("FROM base\nARG X=1\nRUN true\n", new() { ["X"] = "2" }).Steps[^1].Key;

        Assert.NotEqual(plain, overridden);
    }

    [Fact]
    public void KeyStableAcrossPlans()
    {
        const string spec = "FROM base\nARG X=1\nCOPY app.txt /\nRUN true\n";

        Assert.Equal(Plan(spec).Steps.Select(s => s.Key), Plan(spec).Steps.Select(s => s.Key));
    }

    [Fact]
    public void KeyChangesWithStepOrder()
    {
        BuildPlan first = Plan("FROM base\nRUN a\nRUN b\n");
        BuildPlan swapped = Plan("FROM base\nRUN b\nRUN a\n");

        Assert.NotEqual(first.Steps[1].Key, swapped.Steps[0].Key);
        Assert.NotEqual(first.Steps[0].Key, swapped.Steps[1].Key);
    }

    [Fact]
    public void ExpansionErrorNamesPosition()
    {
        CcException error = Assert.Throws<CcException>(() => Plan("FROM base\n\nENV A=${UNSET:?unset}\n"));

        Assert.Equal("InvalidBuildSpec", error.ErrorId);
        Assert.StartsWith("test.ccspec:3:1: ENV: UNSET: unset", error.Message);
    }

    [Fact]
    public void MissingBaseImageNamesPosition()
    {
        CcException error = Assert.Throws<CcException>(() => Plan("\nFROM missing\n"));

        Assert.Equal("ImageNotFound", error.ErrorId);
        Assert.StartsWith("test.ccspec:2:1: FROM:", error.Message);
    }

    [Fact]
    public void InvalidImageNameNamesPosition()
    {
        CcException error = Assert.Throws<CcException>(() => Plan("FROM ../etc\n"));

        Assert.Equal("InvalidName", error.ErrorId);
    }

    [Fact]
    public void CopySourceOutsideFailsPlan()
    {
        CcException error = Assert.Throws<CcException>(() => Plan("FROM base\nCOPY ../x /\n"));

        Assert.Equal("CopySourceOutsideContext", error.ErrorId);
    }
}
