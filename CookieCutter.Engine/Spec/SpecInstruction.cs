namespace CookieCutter.Engine.Spec;

/// <summary>
/// Instruction of a build spec line. Names are matched case-insensitively, as Docker does.
/// </summary>
public enum SpecInstruction
{
    /// <summary><c>FROM IMAGE</c>: the image the build starts from.</summary>
    From,

    /// <summary><c>RUN COMMAND</c>: a command run through <c>/bin/sh -c</c>, or an exec-form JSON array.</summary>
    Run,

    /// <summary><c>COPY [--from=IMAGE] [--chown=USER:GROUP] [--chmod=MODE] SRC... [DEST]</c>.</summary>
    Copy,

    /// <summary><c>ENV KEY=VALUE...</c>: environment variables stored with the image.</summary>
    Env,

    /// <summary><c>ARG NAME[=DEFAULT]...</c>: build arguments, set with <c>-BuildArgument</c>.</summary>
    Arg,

    /// <summary><c>WORKDIR PATH</c>: working directory of later steps and of containers.</summary>
    Workdir,

    /// <summary><c>USER USER[:GROUP]</c>: user that later steps and containers run as.</summary>
    User,

    /// <summary><c>LABEL KEY=VALUE...</c>: labels stored with the image.</summary>
    Label,

    /// <summary><c>CMD COMMAND</c>: default command of containers made from the image.</summary>
    Cmd,
}
