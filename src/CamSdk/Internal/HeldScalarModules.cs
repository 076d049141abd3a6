using System;
using System.Collections.Frozen;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace CamSdk.Internal;

/// <summary>
/// Which models are known to hand libtorch only Scalars that something holds while they are explained (see
/// <see cref="Scalars"/>): a model that does may run beside another thread that allocates managed memory (and so starts
/// garbage collections at any moment), such as a thread that decodes the next batch.
/// </summary>
/// <remarks>
/// <para>
/// A module is known to when its type is CamSdk's own (every line of CamSdk's packages is checked by the Scalar scan in
/// <c>NativeLifetimeTests</c>) or one of TorchSharp's whose <c>forward</c> makes no Scalar it does not hold. TorchSharp
/// 0.107's exceptions are <see cref="UnheldInForward"/>, read from its IL by <c>NativeLifetimeTests</c>, which fails when
/// a TorchSharp update changes them. Any other type (a user's module, TorchSharp's TorchVision models) is unknown: its
/// <c>forward</c> may well write <c>x + identity</c>, whose alpha of 1 is an unheld Scalar.
/// </para>
/// <para>
/// <see cref="TorchSharp.Modules.BatchNorm"/> is among TorchSharp's exceptions only in training: it counts batches with
/// <c>num_batches_tracked.add_(1)</c>. Explanations run in evaluation mode, where that line is not reached.
/// </para>
/// </remarks>
internal static class HeldScalarModules
{
    /// <summary>
    /// TorchSharp's module types (the types that declare their <c>forward</c>, by full name) whose <c>forward</c> passes
    /// libtorch a Scalar it does not hold, in any mode.
    /// </summary>
    internal static readonly FrozenSet<string> UnheldInForward = FrozenSet.ToFrozenSet(
    [
        "TorchSharp.Modules.CELU",
        "TorchSharp.Modules.ELU",
        "TorchSharp.Modules.Hardshrink",
        "TorchSharp.Modules.Hardtanh",
        "TorchSharp.Modules.LeakyReLU",
        "TorchSharp.Modules.Mish",
        "TorchSharp.Modules.Softplus",
        "TorchSharp.Modules.Softshrink",
        "TorchSharp.Modules.Softsign",
        "TorchSharp.Modules.Threshold",
    ]);

    /// <summary>TorchSharp's module types whose <c>forward</c> passes an unheld Scalar in training only.</summary>
    internal static readonly FrozenSet<string> UnheldInTraining = FrozenSet.ToFrozenSet(["TorchSharp.Modules.BatchNorm"]);

    /// <summary>CamSdk's packages that hold modules; the Scalar scan checks all of their code.</summary>
    private static readonly FrozenSet<string> OwnAssemblies = FrozenSet.ToFrozenSet(["CamSdk", "CamSdk.Models", "CamSdk.Evaluation", "CamSdk.Onnx"]);

    private static readonly string TorchSharpAssembly = typeof(torch).Assembly.FullName!;

    /// <summary>
    /// The first module of <paramref name="model"/> (itself included) not known to hold every Scalar it passes libtorch in
    /// evaluation mode, by its name in the model and its type; null when every module is known to.
    /// </summary>
    internal static (string Name, Type Type)? FirstUnknown(nn.Module model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model.named_modules().Prepend(("", model))
            .Where(m => !IsKnown(m.Item2.GetType()))
            .Select(m => ((string Name, Type Type)?)(m.Item1, m.Item2.GetType()))
            .FirstOrDefault();
    }

    private static bool IsKnown(Type type)
    {
        if (type.Assembly.GetName().Name is { } name && OwnAssemblies.Contains(name))
        {
            return true;
        }

        if (type.Assembly.FullName != TorchSharpAssembly)
        {
            return false;
        }

        var forward = type.GetMethod("forward", [typeof(Tensor)])?.DeclaringType ?? type;
        return !UnheldInForward.Contains(forward.FullName!);
    }
}
