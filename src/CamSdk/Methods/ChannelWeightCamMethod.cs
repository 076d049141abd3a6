using System;
using CamSdk.Internal;
using TorchSharp;

namespace CamSdk.Methods;

/// <summary>
/// A method that weights each channel of the layer as a whole: the map is Σ_k w_k A^k (or, with
/// <c>eigen_smooth</c>, the first principal component of w_k A^k), as pytorch-grad-cam's <c>get_cam_weights</c> methods.
/// </summary>
public abstract class ChannelWeightCamMethod : CamMethod
{
    /// <summary>Computes one weight per image and channel.</summary>
    /// <param name="capture">What the call captured at the layer.</param>
    /// <returns>An N×K tensor on the capture's device.</returns>
    protected abstract torch.Tensor ComputeChannelWeights(CamCapture capture);

    /// <inheritdoc />
    protected internal sealed override torch.Tensor ComputeMaps(CamCapture capture, bool eigenSmooth)
    {
        ArgumentNullException.ThrowIfNull(capture);
        using var scope = torch.NewDisposeScope();
        var activations = capture.Activations;
        var weights = ComputeChannelWeights(capture);
        if (weights is null || weights.dim() != 2 || weights.shape[0] != activations.shape[0] || weights.shape[1] != activations.shape[1])
        {
            var shape = weights is null ? "null" : "shape " + Shapes.Format(weights.shape);
            throw new CamException($"{Name} returned channel weights of {shape}; it must return N×K = [{activations.shape[0]}, {activations.shape[1]}].");
        }

        Checks.Finite(weights, $"{Name}'s channel weights at the layer '{capture.LayerName}'", "The method divided by zero or met non-finite values: check its formula and the model's scores.");

        return SumOrProject(weights.unsqueeze(-1).unsqueeze(-1) * activations, eigenSmooth).MoveToOuterDisposeScope();
    }
}
