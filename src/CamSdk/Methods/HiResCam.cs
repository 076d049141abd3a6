using System;
using TorchSharp;

namespace CamSdk.Methods;

/// <summary>
/// HiResCAM (Draelos and Carin, "Use HiResCAM instead of Grad-CAM for faithful explanations of convolutional neural
/// networks", 2020): Σ_k ∂y^c/∂A^k ⊙ A^k, the element-wise product summed over channels, which for a network ending in
/// a linear layer reflects exactly where the score comes from.
/// </summary>
/// <remarks>With <c>eigen_smooth</c> the faithfulness guarantee no longer holds (pytorch-grad-cam warns so too).</remarks>
public sealed class HiResCam : CamMethod
{
    /// <inheritdoc />
    public override string Name => "HiResCAM";

    /// <inheritdoc />
    public override string Key => "hirescam";

    /// <inheritdoc />
    protected internal override torch.Tensor ComputeMaps(CamCapture capture, bool eigenSmooth)
    {
        ArgumentNullException.ThrowIfNull(capture);
        using var product = capture.Gradients * capture.Activations;
        return SumOrProject(product, eigenSmooth);
    }
}
