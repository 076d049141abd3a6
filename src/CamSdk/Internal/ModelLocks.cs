using System.Runtime.CompilerServices;
using TorchSharp;

namespace CamSdk.Internal;

/// <summary>
/// One lock per model: hooks are installed on the model for the duration of a call, so two explanations
/// of the same model must not overlap. Different models run in parallel.
/// </summary>
internal static class ModelLocks
{
    private static readonly ConditionalWeakTable<torch.nn.Module, object> Locks = new();

    internal static object For(torch.nn.Module model) => Locks.GetValue(model, static _ => new object());
}
