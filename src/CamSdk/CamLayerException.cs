using System;

namespace CamSdk;

/// <summary>
/// The target layer cannot be used: the forward pass never ran it (for example because the model calls `layer.forward(x)` instead of `layer.call(x)`), ran it more than once, or its output is not an N×K×h×w feature map.
/// </summary>
public sealed class CamLayerException : CamException
{
    /// <summary>Creates an exception with no message.</summary>
    public CamLayerException()
    {
    }

    /// <summary>Creates an exception with a message that says what was wrong and what to do.</summary>
    /// <param name="message">What was wrong and how to fix it.</param>
    public CamLayerException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception that wraps the failure that caused it.</summary>
    /// <param name="message">What was wrong and how to fix it.</param>
    /// <param name="innerException">The failure that caused this one.</param>
    public CamLayerException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
