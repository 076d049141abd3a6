using System;

namespace CamSdk;

/// <summary>An image cannot be read or written: missing, unreadable, truncated, or of an unsupported format. The message names the file.</summary>
public sealed class CamImageException : CamException
{
    /// <summary>Creates an exception with no message.</summary>
    public CamImageException()
    {
    }

    /// <summary>Creates an exception with a message that says what was wrong and what to do.</summary>
    /// <param name="message">What was wrong and how to fix it.</param>
    public CamImageException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception that wraps the failure that caused it.</summary>
    /// <param name="message">What was wrong and how to fix it.</param>
    /// <param name="innerException">The failure that caused this one.</param>
    public CamImageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
