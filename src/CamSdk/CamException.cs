using System;

namespace CamSdk;

/// <summary>
/// The base of every exception CamSdk throws. Its message says what was wrong and how to fix it.
/// </summary>
public class CamException : Exception
{
    /// <summary>Creates an exception with no message.</summary>
    public CamException()
    {
    }

    /// <summary>Creates an exception with a message that says what was wrong and what to do.</summary>
    /// <param name="message">What was wrong and how to fix it.</param>
    public CamException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception that wraps the failure that caused it.</summary>
    /// <param name="message">What was wrong and how to fix it.</param>
    /// <param name="innerException">The failure that caused this one.</param>
    public CamException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
