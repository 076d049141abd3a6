using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CamSdk.Internal;

/// <summary>
/// TorchSharp's <see cref="LeakyReLU"/> with its slope held through the native call: TorchSharp's module passes
/// <c>leaky_relu</c> its slope as an implicitly converted Scalar that a garbage collection can free mid-call (see
/// <see cref="Scalars"/>). The same arithmetic; Guided Backpropagation refuses it as it refuses a LeakyReLU.
/// </summary>
internal sealed class HeldScalarLeakyReLU : ParameterLessModule<Tensor, Tensor>
{
    internal HeldScalarLeakyReLU(double negativeSlope)
        : base(nameof(LeakyReLU)) => NegativeSlope = negativeSlope;

    /// <summary>The slope for negative inputs.</summary>
    internal double NegativeSlope { get; }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var slope = NegativeSlope.ToScalar();
        return input.leaky_relu(slope);
    }
}
