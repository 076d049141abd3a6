using System;

namespace CamSdk.Internal;

/// <summary>How CamSdk reports an exception thrown by code it calls: the model's forward pass, a score function, a class-score head, a method.</summary>
internal static class Failures
{
    /// <summary>
    /// Whether CamSdk wraps the exception in one of its own that says whose failure it is: not when CamSdk threw it
    /// itself, nor for a cancellation or running out of memory, which pass through as they are.
    /// </summary>
    internal static bool IsWrapped(Exception e) => e is not (CamException or OperationCanceledException or OutOfMemoryException);

    /// <summary>The first line of the message: libtorch's errors go on with the C++ stack.</summary>
    internal static string FirstLine(Exception e) => e.Message.Split('\n')[0].Trim();

    /// <summary>"TypeName: first line of the message", for "… threw {Describe(e)}".</summary>
    internal static string Describe(Exception e) => $"{e.GetType().Name}: {FirstLine(e)}";
}
