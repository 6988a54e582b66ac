namespace CookieCutter.Engine;

/// <summary>
/// Category of an engine failure, mapped by the cmdlets onto PowerShell error categories.
/// </summary>
public enum CcErrorKind
{
    /// <summary>A value given by the caller is malformed.</summary>
    InvalidArgument,

    /// <summary>A named image, container, file or directory does not exist.</summary>
    NotFound,

    /// <summary>A name is already taken by something that must not be replaced.</summary>
    AlreadyExists,

    /// <summary>The object is in a state that does not allow the operation.</summary>
    InvalidOperation,

    /// <summary>The host lacks a package, kernel feature or privilege.</summary>
    NotInstalled,

    /// <summary>A program or system call failed while carrying out the operation.</summary>
    OperationFailed,

    /// <summary>The operation did not finish in the time allowed.</summary>
    OperationTimeout,

    /// <summary>The operation was stopped by the caller.</summary>
    OperationStopped,
}

/// <summary>
/// Failure of an engine operation, with a stable error id (for example <c>ImageNotFound</c>)
/// and the name of the image or container it concerns.
/// </summary>
public sealed class CcException : Exception
{
    /// <summary>Creates an exception with a stable id, a category, a message and an optional target.</summary>
    public CcException(string errorId, CcErrorKind kind, string message, object? target = null, Exception? inner = null)
        : base(message, inner)
    {
        ErrorId = errorId;
        Kind = kind;
        Target = target;
    }

    /// <summary>Stable PascalCase id that scripts and tests match on.</summary>
    public string ErrorId { get; }

    /// <summary>Category of the failure.</summary>
    public CcErrorKind Kind { get; }

    /// <summary>Name or object the failure concerns, when there is one.</summary>
    public object? Target { get; }
}
