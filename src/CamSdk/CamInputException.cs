using System;

namespace CamSdk;

/// <summary>
/// The input batch cannot be explained as given: wrong rank, empty, not floating point, not finite, or on another device than the model.
/// </summary>
public sealed class CamInputException : CamException
{
    /// <summary>Creates an exception with no message.</summary>
    public CamInputException()
    {
    }

    /// <summary>Creates an exception with a message that says what was wrong and what to do.</summary>
    /// <param name="message">What was wrong and how to fix it.</param>
    public CamInputException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception that wraps the failure that caused it.</summary>
    /// <param name="message">What was wrong and how to fix it.</param>
    /// <param name="innerException">The failure that caused this one.</param>
    public CamInputException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
