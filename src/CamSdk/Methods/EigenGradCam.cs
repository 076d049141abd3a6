using System;
using CamSdk.Internal;
using TorchSharp;

namespace CamSdk.Methods;

/// <summary>
/// EigenGrad-CAM (pytorch-grad-cam): like <see cref="EigenCam"/>, the first principal component, but of
/// ∂y^c/∂A ⊙ A, so the map is class-discriminative. The sign is fixed as <see cref="EigenCam"/> fixes it.
/// </summary>
public sealed class EigenGradCam : CamMethod
{
    /// <inheritdoc />
    public override string Name => "EigenGradCAM";

    /// <inheritdoc />
    public override string Key => "eigengradcam";

    /// <inheritdoc />
    protected internal override torch.Tensor ComputeMaps(CamCapture capture, bool eigenSmooth)
    {
        ArgumentNullException.ThrowIfNull(capture);
        using var product = capture.Gradients * capture.Activations;
        return Projection.FirstComponent(product);
    }
}
