using System;

namespace CamSdk;

/// <summary>
/// The explanation target is invalid: a class index out of range, the wrong number of classes for the batch, or a score function whose result has the wrong shape or no gradient path to the explained layer.
/// </summary>
public sealed class CamTargetException : CamException
{
    /// <summary>Creates an exception with no message.</summary>
    public CamTargetException()
    {
    }

    /// <summary>Creates an exception with a message that says what was wrong and what to do.</summary>
    /// <param name="message">What was wrong and how to fix it.</param>
    public CamTargetException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception that wraps the failure that caused it.</summary>
    /// <param name="message">What was wrong and how to fix it.</param>
    /// <param name="innerException">The failure that caused this one.</param>
    public CamTargetException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
