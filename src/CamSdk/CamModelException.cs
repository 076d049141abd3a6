using System;

namespace CamSdk;

/// <summary>
/// The model cannot be explained as asked: its forward pass failed, or it cannot be guided (Guided Backpropagation needs ReLU modules applied through `call`).
/// </summary>
public sealed class CamModelException : CamException
{
    /// <summary>Creates an exception with no message.</summary>
    public CamModelException()
    {
    }

    /// <summary>Creates an exception with a message that says what was wrong and what to do.</summary>
    /// <param name="message">What was wrong and how to fix it.</param>
    public CamModelException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception that wraps the failure that caused it.</summary>
    /// <param name="message">What was wrong and how to fix it.</param>
    /// <param name="innerException">The failure that caused this one.</param>
    public CamModelException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
