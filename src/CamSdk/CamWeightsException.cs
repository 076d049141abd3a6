using System;

namespace CamSdk;

/// <summary>
/// A weights file cannot be loaded into a model: unreadable, truncated, of an unknown format, or holding keys or
/// shapes that do not match the model. The message names the file and every mismatched key.
/// </summary>
public sealed class CamWeightsException : CamException
{
    /// <summary>Creates an exception with no message.</summary>
    public CamWeightsException()
    {
    }

    /// <summary>Creates an exception with a message that says what was wrong and what to do.</summary>
    /// <param name="message">What was wrong and how to fix it.</param>
    public CamWeightsException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception that wraps the failure that caused it.</summary>
    /// <param name="message">What was wrong and how to fix it.</param>
    /// <param name="innerException">The failure that caused this one.</param>
    public CamWeightsException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
