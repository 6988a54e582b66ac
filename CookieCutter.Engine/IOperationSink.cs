namespace CookieCutter.Engine;

/// <summary>
/// Progress of a long operation: an activity with a status line and a percentage.
/// </summary>
/// <param name="ActivityId">Id that keeps nested activities apart.</param>
/// <param name="Activity">What is being done, such as "Building image web".</param>
/// <param name="Status">The current step, such as "step 2 of 5: RUN apt-get update".</param>
/// <param name="PercentComplete">0 to 100, or -1 when unknown.</param>
/// <param name="Completed">Whether the activity has finished.</param>
public sealed record ProgressUpdate(int ActivityId, string Activity, string Status, int PercentComplete, bool Completed = false);

/// <summary>
/// Where an engine operation reports what it does. The cmdlets implement it by queueing each
/// call to the pipeline thread; tests implement it with lists.
/// </summary>
public interface IOperationSink
{
    /// <summary>A line of a container command's standard output, which is the operation's output.</summary>
    void Output(string line);

    /// <summary>A message for the user about what happens, such as a build step's echo or its command's output.</summary>
    void Information(string message);

    /// <summary>A line a build step's command wrote to standard error.</summary>
    void ErrorLine(string line);

    /// <summary>A detail of what is being mounted, run or removed.</summary>
    void Verbose(string message);

    /// <summary>Something the user should know that does not stop the operation.</summary>
    void Warning(string message);

    /// <summary>Progress of a long step.</summary>
    void Progress(ProgressUpdate update);

    /// <summary>Asks whether to go on with a change to a target; false skips it (for -WhatIf and -Confirm).</summary>
    bool ShouldProcess(string target, string action);
}

/// <summary>
/// A sink that drops every message and approves every change.
/// </summary>
public sealed class NullSink : IOperationSink
{
    /// <summary>The shared instance.</summary>
    public static NullSink Instance { get; } = new();

    /// <inheritdoc/>
    public void Output(string line)
    {
    }

    /// <inheritdoc/>
    public void Information(string message)
    {
    }

    /// <inheritdoc/>
    public void ErrorLine(string line)
    {
    }

    /// <inheritdoc/>
    public void Verbose(string message)
    {
    }

    /// <inheritdoc/>
    public void Warning(string message)
    {
    }

    /// <inheritdoc/>
    public void Progress(ProgressUpdate update)
    {
    }

    /// <inheritdoc/>
    public bool ShouldProcess(string target, string action) => true;
}
