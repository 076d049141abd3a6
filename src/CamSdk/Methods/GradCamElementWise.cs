using System;
using CamSdk.Internal;
using TorchSharp;

namespace CamSdk.Methods;

/// <summary>
/// Grad-CAM element-wise (pytorch-grad-cam's <c>GradCAMElementWise</c>): Σ_k ReLU(∂y^c/∂A^k ⊙ A^k), HiResCAM with the
/// negative element-wise contributions dropped before the sum over channels.
/// </summary>
public sealed class GradCamElementWise : CamMethod
{
    /// <inheritdoc />
    public override string Name => "GradCAMElementWise";

    /// <inheritdoc />
    public override string Key => "gradcamelementwise";

    /// <inheritdoc />
    protected internal override torch.Tensor ComputeMaps(CamCapture capture, bool eigenSmooth)
    {
        ArgumentNullException.ThrowIfNull(capture);
        using var product = capture.Gradients * capture.Activations;
        using var positive = product.clamp_min(Scalars.Of(0));
        return SumOrProject(positive, eigenSmooth);
    }
}
