using System.Collections.Concurrent;
using System.Management.Automation;
using System.Runtime.InteropServices;
using CookieCutter.Engine;
using CookieCutter.Engine.Store;

namespace CookieCutter.PowerShell.Internal;

/// <summary>
/// Base of the module's cmdlets: runs an engine operation on a worker thread and replays what
/// it reports on the pipeline thread, maps <see cref="CcException"/> to error records, and turns
/// Ctrl+C into cancellation of the operation.
/// </summary>
public abstract class CcCmdlet : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource stopping = new();
    private readonly Dictionary<int, ProgressRecord> progressRecords = [];

    /// <summary>Store the cmdlet works on: <c>COOKIECUTTER_ROOT</c>, or <c>/var/cookie-cutter</c>.</summary>
    protected static StorePaths Store => StorePaths.FromEnvironment();

    /// <summary>Token cancelled when the user presses Ctrl+C.</summary>
    protected CancellationToken Cancellation => stopping.Token;

    /// <inheritdoc/>
    public void Dispose()
    {
        stopping.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Cancels the running engine operation.</summary>
    protected override void StopProcessing() => stopping.Cancel();

    /// <summary>
    /// Runs an engine operation on a worker thread while this thread writes what it reports,
    /// and returns its result. Engine failures come back as <see cref="CcException"/>.
    /// </summary>
    protected T RunOperation<T>(Func<IOperationSink, CancellationToken, T> operation)
    {
        using var queue = new BlockingCollection<Action>();
        var sink = new QueuedSink(this, queue);
        T? result = default;
        Exception? failure = null;
        var worker = new Thread(() =>
        {
            try
            {
                result = operation(sink, stopping.Token);
            }
            catch (Exception error)
            {
                failure = error;
            }
            finally
            {
                queue.CompleteAdding();
            }
        })
        {
            IsBackground = true,
            Name = "CookieCutter operation",
        };
        // SIGTERM to pwsh would end the process in the middle of the operation, leaving mounts
        // behind. While the operation runs, SIGTERM cancels it and the process exits only after
        // the same teardown as Ctrl+C has run.
        using PosixSignalRegistration terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, _ =>
        {
            stopping.Cancel();
            worker.Join(TimeSpan.FromSeconds(60));
        });
        worker.Start();
        // A Write call throws PipelineStoppedException after Ctrl+C. The operation is then
        // cancelled and the queue drained without writing, so the worker can finish its teardown
        // before the queue goes away.
        Exception? writeFailure = null;
        foreach (Action action in queue.GetConsumingEnumerable())
        {
            if (writeFailure is not null)
            {
                continue;
            }

            try
            {
                action();
            }
            catch (Exception error) when (error is PipelineStoppedException or ActionPreferenceStopException or InvalidOperationException)
            {
                writeFailure = error;
                stopping.Cancel();
            }
        }

        worker.Join();
        if (writeFailure is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(writeFailure).Throw();
        }

        CompleteProgress();
        if (failure is OperationCanceledException && stopping.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }

        if (failure is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
        }

        return result!;
    }

    /// <summary>Runs an engine operation that returns nothing.</summary>
    protected void RunOperation(Action<IOperationSink, CancellationToken> operation) =>
        RunOperation<bool>((sink, token) =>
        {
            operation(sink, token);
            return true;
        });

    /// <summary>Writes a non-terminating error for an engine failure.</summary>
    protected void WriteCcError(CcException error) => WriteError(ToErrorRecord(error));

    /// <summary>Stops the cmdlet with a terminating error for an engine failure.</summary>
    protected void ThrowCcError(CcException error) => ThrowTerminatingError(ToErrorRecord(error));

    /// <summary>Converts an engine failure to an error record with its id, category and target.</summary>
    protected static ErrorRecord ToErrorRecord(CcException error)
    {
        ErrorCategory category = error.Kind switch
        {
            CcErrorKind.InvalidArgument => ErrorCategory.InvalidArgument,
            CcErrorKind.NotFound => ErrorCategory.ObjectNotFound,
            CcErrorKind.AlreadyExists => ErrorCategory.ResourceExists,
            CcErrorKind.InvalidOperation => ErrorCategory.InvalidOperation,
            CcErrorKind.NotInstalled => ErrorCategory.NotInstalled,
            CcErrorKind.OperationTimeout => ErrorCategory.OperationTimeout,
            CcErrorKind.OperationStopped => ErrorCategory.OperationStopped,
            _ => ErrorCategory.NotSpecified,
        };
        return new ErrorRecord(error, error.ErrorId, category, error.Target);
    }

    /// <summary>Returns a predicate for names matching any of the wildcard patterns, or every name when there are none.</summary>
    protected static Func<string, bool> NameFilter(string[]? patterns)
    {
        if (patterns is null || patterns.Length == 0)
        {
            return _ => true;
        }

        var wildcards = patterns.Select(p => new WildcardPattern(p, WildcardOptions.IgnoreCase)).ToList();
        return name => wildcards.Any(w => w.IsMatch(name));
    }

    /// <summary>
    /// Writes an information record tagged PSHOST, as Write-Host does, so it is shown by default
    /// and still goes to the information stream (6) for redirection and -InformationVariable.
    /// </summary>
    /// <param name="message">Text and colour.</param>
    /// <param name="source">Source of the record: <c>stderr</c> for a build step's error output, else the cmdlet.</param>
    private void WriteHostInformation(HostInformationMessage message, string? source = null)
    {
        var record = new InformationRecord(message, source ?? MyInvocation.MyCommand.Name);
        record.Tags.Add("PSHOST");
        if (source is not null)
        {
            record.Tags.Add(source);
        }

        WriteInformation(record);
    }

    private void WriteProgressUpdate(ProgressUpdate update)
    {
        if (!progressRecords.TryGetValue(update.ActivityId, out ProgressRecord? record))
        {
            record = new ProgressRecord(update.ActivityId, update.Activity, string.IsNullOrEmpty(update.Status) ? update.Activity : update.Status);
            progressRecords[update.ActivityId] = record;
        }

        record.Activity = update.Activity;
        record.StatusDescription = string.IsNullOrEmpty(update.Status) ? update.Activity : update.Status;
        record.PercentComplete = Math.Clamp(update.PercentComplete, -1, 100);
        record.RecordType = update.Completed ? ProgressRecordType.Completed : ProgressRecordType.Processing;
        WriteProgress(record);
        if (update.Completed)
        {
            progressRecords.Remove(update.ActivityId);
        }
    }

    private void CompleteProgress()
    {
        foreach (ProgressRecord record in progressRecords.Values)
        {
            record.RecordType = ProgressRecordType.Completed;
            WriteProgress(record);
        }

        progressRecords.Clear();
    }

    private sealed class QueuedSink(CcCmdlet cmdlet, BlockingCollection<Action> queue) : IOperationSink
    {
        public void Output(string line) => Post(() => cmdlet.WriteObject(line));

        public void Information(string message) =>
            Post(() => cmdlet.WriteHostInformation(new HostInformationMessage { Message = message }));

        public void ErrorLine(string line) =>
            Post(() => cmdlet.WriteHostInformation(new HostInformationMessage { Message = line, ForegroundColor = ConsoleColor.DarkYellow }, "stderr"));

        public void Verbose(string message) => Post(() => cmdlet.WriteVerbose(message));

        public void Warning(string message) => Post(() => cmdlet.WriteWarning(message));

        public void Progress(ProgressUpdate update) => Post(() => cmdlet.WriteProgressUpdate(update));

        public bool ShouldProcess(string target, string action)
        {
            var answer = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            Post(() =>
            {
                try
                {
                    answer.SetResult(cmdlet.ShouldProcess(target, action));
                }
                catch (Exception error)
                {
                    answer.SetException(error);
                }
            });
            return answer.Task.GetAwaiter().GetResult();
        }

        private void Post(Action action)
        {
            try
            {
                queue.Add(action);
            }
            catch (InvalidOperationException)
            {
            }
        }
    }
}
