using CookieCutter.Engine.Spec;
using Xunit;

namespace CookieCutter.Engine.Tests;

public class SpecParserTests
{
    private static SpecParseResult Parse(string text) => SpecParser.Parse(text, "test.ccspec");

    private static IReadOnlyList<SpecStep> ValidSteps(string text)
    {
        SpecParseResult result = Parse(text);
        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        return result.Steps;
    }

    [Fact]
    public void ContinuationSkipsCommentLine()
    {
        IReadOnlyList<SpecStep> steps = ValidSteps("FROM base\nRUN echo \\\n# note\nhello\n");

        Assert.Equal(2, steps.Count);
        Assert.Equal(SpecInstruction.Run, steps[1].Instruction);
        Assert.Equal(["echo hello"], steps[1].Arguments);
    }

    [Fact]
    public void ContinuationAllowsSpacesAfterBackslash()
    {
        IReadOnlyList<SpecStep> steps = ValidSteps("FROM base\nRUN ls && \\  \nls\n");

        Assert.Equal(["ls && ls"], steps[1].Arguments);
    }

    [Fact]
    public void ContinuationAllowsTabsAfterBackslash()
    {
        IReadOnlyList<SpecStep> steps = ValidSteps("FROM base\nRUN a \\\t \t\nb\n");

        Assert.Equal(["a b"], steps[1].Arguments);
    }

    [Fact]
    public void ContinuationSkipsBlankLines()
    {
        IReadOnlyList<SpecStep> steps = ValidSteps("FROM base\nRUN a \\\n\n   \n b\n");

        Assert.Equal(["a  b"], steps[1].Arguments);
    }

    [Fact]
    public void ContinuationSkipsIndentedComment()
    {
        IReadOnlyList<SpecStep> steps = ValidSteps("FROM base\nRUN a \\\n    # indented note\n  && b\n");

        Assert.Equal(["a   && b"], steps[1].Arguments);
    }

    [Fact]
    public void ContinuationKeepsLeadingBlanksOfNextLine()
    {
        IReadOnlyList<SpecStep> steps = ValidSteps("FROM base\nRUN apt-get install \\\n    curl \\\n    git\n");

        Assert.Equal(["apt-get install     curl     git"], steps[1].Arguments);
    }

    [Fact]
    public void ContinuationAtEndOfFile()
    {
        IReadOnlyList<SpecStep> steps = ValidSteps("FROM base\nRUN echo hi \\");

        Assert.Equal(["echo hi"], steps[1].Arguments);
    }

    [Fact]
    public void CrlfBehavesLikeLf()
    {
        string lf = "FROM base\nRUN echo \\\n# note\nhello\nENV A=1 B=2\n";
        IReadOnlyList<SpecStep> unix = ValidSteps(lf);
        IReadOnlyList<SpecStep> windows = ValidSteps(lf.Replace("\n", "\r\n"));

        Assert.Equal(unix.Select(s => s.Text), windows.Select(s => s.Text));
        Assert.Equal(unix.Select(s => s.Line), windows.Select(s => s.Line));
        Assert.Equal(["echo hello"], windows[1].Arguments);
    }

    [Fact]
    public void CrlfContinuationWithTrailingSpaces()
    {
        IReadOnlyList<SpecStep> steps = ValidSteps("FROM base\r\nRUN ls && \\  \r\nls\r\n");

        Assert.Equal(["ls && ls"], steps[1].Arguments);
    }

    [Fact]
    public void HashAfterContentIsCommand()
    {
        IReadOnlyList<SpecStep> steps = ValidSteps("FROM base\nRUN echo hi # not a comment\n");

        Assert.Equal(["echo hi # not a comment"], steps[1].Arguments);
    }

    [Fact]
    public void CommentAndBlankLinesSkipped()
    {
        IReadOnlyList<SpecStep> steps = ValidSteps("# header\n\n   # indented\nFROM base\n\n\nRUN true\n");

        Assert.Equal(2, steps.Count);
        Assert.Equal(4, steps[0].Line);
        Assert.Equal(7, steps[1].Line);
    }

    [Fact]
    public void ByteOrderMarkIgnored()
    {
        IReadOnlyList<SpecStep> steps = ValidSteps("\uFEFFFROM base\n");

        Assert.Equal(SpecInstruction.From, steps[0].Instruction);
    }

    [Theory]
    [InlineData("from base", SpecInstruction.From)]
    [InlineData("From base", SpecInstruction.From)]
    [InlineData("FROM base", SpecInstruction.From)]
    public void InstructionsAreCaseInsensitive(string line, SpecInstruction expected)
    {
        IReadOnlyList<SpecStep> steps = ValidSteps(line + "\nrun true\nCoPy a b\n");

        Assert.Equal(expected, steps[0].Instruction);
        Assert.Equal(SpecInstruction.Run, steps[1].Instruction);
        Assert.Equal(SpecInstruction.Copy, steps[2].Instruction);
    }

    [Fact]
    public void StepRecordsLineAndColumn()
    {
        IReadOnlyList<SpecStep> steps = ValidSteps("FROM base\n\n    RUN true\n");

        Assert.Equal(3, steps[1].Line);
        Assert.Equal(5, steps[1].Column);
    }

    [Fact]
    public void UnknownInstructionIsError()
    {
        SpecParseResult result = Parse("FROM base\nRUNN true\n");

        SpecError error = Assert.Single(result.Errors);
        Assert.Equal(2, error.Line);
        Assert.Equal(1, error.Column);
        Assert.Equal("RUNN", error.Instruction);
        Assert.Contains("Unknown instruction 'RUNN'", error.Message);
        Assert.Empty(result.Steps);
    }

    [Fact]
    public void UnsupportedDockerInstructionNamesAlternative()
    {
        SpecParseResult result = Parse("FROM base\nADD a /b\n");

        SpecError error = Assert.Single(result.Errors);
        Assert.Contains("COPY", error.Message);
    }

    [Fact]
    public void ErrorTextNamesFileLineColumnInstruction()
    {
        SpecParseResult result = Parse("FROM base\n  FOO bar\n");

        Assert.StartsWith("test.ccspec:2:3: FOO: Unknown instruction", result.Errors[0].ToString());
    }

    [Fact]
    public void MissingFromIsError()
    {
        SpecParseResult result = Parse("RUN true\n");

        SpecError error = Assert.Single(result.Errors);
        Assert.Equal(1, error.Line);
        Assert.Contains("before FROM", error.Message);
    }

    [Fact]
    public void LateFromIsError()
    {
        SpecParseResult result = Parse("RUN true\nFROM base\n");

        SpecError error = Assert.Single(result.Errors);
        Assert.Equal("RUN", error.Instruction);
    }

    [Fact]
    public void SecondFromIsError()
    {
        SpecParseResult result = Parse("FROM a\nRUN true\nFROM b\n");

        SpecError error = Assert.Single(result.Errors);
        Assert.Equal(3, error.Line);
        Assert.Contains("exactly one FROM", error.Message);
    }

    [Fact]
    public void EmptySpecIsError()
    {
        SpecParseResult result = Parse("# only a comment\n\n");

        SpecError error = Assert.Single(result.Errors);
        Assert.Contains("no instructions", error.Message);
    }

    [Fact]
    public void ArgBeforeFromAllowed()
    {
        IReadOnlyList<SpecStep> steps = ValidSteps("ARG BASE=bookworm\nFROM ${BASE}\n");

        Assert.Equal(SpecInstruction.Arg, steps[0].Instruction);
        Assert.Equal(["${BASE}"], steps[1].Arguments);
    }

    [Theory]
    [InlineData("RUN")]
    [InlineData("RUN   ")]
    [InlineData("COPY")]
    [InlineData("ENV")]
    [InlineData("ARG")]
    [InlineData("WORKDIR")]
    [InlineData("USER")]
    [InlineData("LABEL")]
    [InlineData("CMD")]
    public void MissingArgumentsIsError(string line)
    {
        SpecParseResult result = Parse("FROM base\n" + line + "\n");

        SpecError error = Assert.Single(result.Errors);
        Assert.Equal(2, error.Line);
        Assert.Contains("Missing arguments", error.Message);
    }

    [Fact]
    public void FromWithoutImageIsError()
    {
        SpecParseResult result = Parse("FROM\n");

        Assert.Contains(result.Errors, e => e.Message.Contains("Missing arguments"));
    }

    [Fact]
    public void FromWithStageNameIsError()
    {
        SpecParseResult result = Parse("FROM base AS build\n");

        SpecError error = Assert.Single(result.Errors);
        Assert.Equal(11, error.Column);
    }

    [Fact]
    public void UnknownFlagIsErrorWithColumn()
    {
        SpecParseResult result = Parse("FROM base\nCOPY --link a /b\n");

        SpecError error = Assert.Single(result.Errors);
        Assert.Equal(6, error.Column);
        Assert.Contains("Unknown flag '--link'", error.Message);
    }

    [Fact]
    public void FlagOnRunIsError()
    {
        SpecParseResult result = Parse("FROM base\nRUN --mount=type=cache,target=/x true\n");

        SpecError error = Assert.Single(result.Errors);
        Assert.Contains("Unknown flag '--mount'", error.Message);
    }

    [Fact]
    public void FlagErrorColumnOnContinuationLine()
    {
        SpecParseResult result = Parse("FROM base\nCOPY \\\n  --bogus=1 a /b\n");

        SpecError error = Assert.Single(result.Errors);
        Assert.Equal(3, error.Line);
        Assert.Equal(3, error.Column);
    }

    [Fact]
    public void CopyFlagsParsed()
    {
        IReadOnlyList<SpecStep> steps = ValidSteps("FROM base\nCOPY --from=tools@v1 --chown=app:app --CHMOD=0755 bin/ /usr/local/bin/\n");

        SpecStep copy = steps[1];
        Assert.Equal("tools@v1", copy.Flags["from"]);
        Assert.Equal("app:app", copy.Flags["chown"]);
        Assert.Equal("0755", copy.Flags["chmod"]);
        Assert.Equal(["bin/", "/usr/local/bin/"], copy.Arguments);
    }

    [Theory]
    [InlineData("--chmod=999")]
    [InlineData("--chmod=rwx")]
    [InlineData("--chmod=")]
    [InlineData("--chown=a:b:c")]
    [InlineData("--from=")]
    public void InvalidCopyFlagValueIsError(string flag)
    {
        SpecParseResult result = Parse($"FROM base\nCOPY {flag} a /b\n");

        SpecError error = Assert.Single(result.Errors);
        Assert.Equal(6, error.Column);
    }

    [Fact]
    public void DuplicateFlagIsError()
    {
        SpecParseResult result = Parse("FROM base\nCOPY --chmod=644 --chmod=755 a /b\n");

        Assert.Contains(result.Errors, e => e.Message.Contains("given twice"));
    }

    [Fact]
    public void CopySingleArgumentAllowed()
    {
        IReadOnlyList<SpecStep> steps = ValidSteps("FROM base\nCOPY app\n");

        Assert.Equal(["app"], steps[1].Arguments);
    }

    [Fact]
    public void CopySeveralSourcesNeedSlash()
    {
        SpecParseResult result = Parse("FROM base\nCOPY a b /dest\n");

        SpecError error = Assert.Single(result.Errors);
        Assert.Equal(10, error.Column);
        Assert.Contains("must end with '/'", error.Message);
    }

    [Fact]
    public void CopyJsonForm()
    {
        IReadOnlyList<SpecStep> steps = ValidSteps("FROM base\nCOPY [\"my file\", \"/opt/my dir/\"]\n");

        Assert.Equal(["my file", "/opt/my dir/"], steps[1].Arguments);
    }

    [Fact]
    public void RunExecForm()
    {
        IReadOnlyList<SpecStep> steps = ValidSteps("FROM base\nRUN [\"/bin/echo\", \"a b\"]\n");

        Assert.True(steps[1].IsExecForm);
        Assert.Equal(["/bin/echo", "a b"], steps[1].Arguments);
    }

    [Fact]
    public void RunNonJsonBracketIsShellForm()
    {
        IReadOnlyList<SpecStep> steps = ValidSteps("FROM base\nRUN [ -f /etc/os-release ]\n");

        Assert.False(steps[1].IsExecForm);
        Assert.Equal(["[ -f /etc/os-release ]"], steps[1].Arguments);
    }

    [Fact]
    public void CmdShellAndExecForm()
    {
        IReadOnlyList<SpecStep> steps = ValidSteps("FROM base\nCMD [\"app\", \"--serve\"]\nCMD echo hi\n");

        Assert.True(steps[1].IsExecForm);
        Assert.False(steps[2].IsExecForm);
        Assert.Equal(["echo hi"], steps[2].Arguments);
    }

    [Fact]
    public void EnvKeyValuePairs()
    {
        IReadOnlyList<SpecStep> steps = ValidSteps("FROM base\nENV A=1 B=\"two words\" C=x\\ y\n");

        Assert.Equal(["A=1", "B=\"two words\"", "C=x\\ y"], steps[1].Arguments);
    }

    [Fact]
    public void EnvLegacyForm()
    {
        IReadOnlyList<SpecStep> steps = ValidSteps("FROM base\nENV GREETING hello  world\n");

        Assert.Equal(["GREETING=hello  world"], steps[1].Arguments);
    }

    [Fact]
    public void EnvWithoutEqualsIsError()
    {
        SpecParseResult result = Parse("FROM base\nENV A=1 B\n");

        SpecError error = Assert.Single(result.Errors);
        Assert.Equal(9, error.Column);
    }

    [Fact]
    public void LabelEmptyKeyIsError()
    {
        SpecParseResult result = Parse("FROM base\nLABEL =x\n");

        Assert.Single(result.Errors);
    }

    [Theory]
    [InlineData("ARG 1X")]
    [InlineData("ARG A-B=1")]
    public void InvalidArgNameIsError(string line)
    {
        SpecParseResult result = Parse("FROM base\n" + line + "\n");

        Assert.Single(result.Errors);
    }

    [Fact]
    public void WorkdirAndUserKeepWholeRest()
    {
        IReadOnlyList<SpecStep> steps = ValidSteps("FROM base\nWORKDIR /srv/my app\nUSER app:staff\n");

        Assert.Equal(["/srv/my app"], steps[1].Arguments);
        Assert.Equal(["app:staff"], steps[2].Arguments);
    }

    [Fact]
    public void EveryErrorReportedInOrder()
    {
        SpecParseResult result = Parse("FROM base\nBOGUS 1\nCOPY --x=1 a\nRUN\n");

        Assert.Equal([2, 3, 4], result.Errors.Select(e => e.Line));
        Assert.Empty(result.Steps);
    }

    [Fact]
    public void ThrowIfInvalidListsErrors()
    {
        SpecParseResult result = Parse("FROM base\nBOGUS 1\n");

        CcException error = Assert.Throws<CcException>(result.ThrowIfInvalid);
        Assert.Equal("InvalidBuildSpec", error.ErrorId);
        Assert.Contains("test.ccspec:2:1: BOGUS", error.Message);
    }

    [Fact]
    public void MissingSpecFileIsNotFound()
    {
        CcException error = Assert.Throws<CcException>(() => SpecParser.ParseFile("/nonexistent/spec"));

        Assert.Equal("BuildSpecNotFound", error.ErrorId);
    }
}
