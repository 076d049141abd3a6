using System;

namespace CamSdk;

/// <summary>
/// A score or gradient of the explanation is NaN or infinite.
/// </summary>
public sealed class CamNumericException : CamException
{
    /// <summary>Creates an exception with no message.</summary>
    public CamNumericException()
    {
    }

    /// <summary>Creates an exception with a message that says what was wrong and what to do.</summary>
    /// <param name="message">What was wrong and how to fix it.</param>
    public CamNumericException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception that wraps the failure that caused it.</summary>
    /// <param name="message">What was wrong and how to fix it.</param>
    /// <param name="innerException">The failure that caused this one.</param>
    public CamNumericException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
