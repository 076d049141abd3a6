using System;
using CamSdk.Internal;
using TorchSharp;

namespace CamSdk.Methods;

/// <summary>
/// LayerCAM (Jiang et al., "LayerCAM: Exploring Hierarchical Class Activation Maps for Localization", IEEE TIP 2021):
/// Σ_k ReLU(∂y^c/∂A^k) ⊙ A^k, each location weighted by its own positive gradient, which keeps fine detail on early
/// layers where Grad-CAM's channel averages wash it out.
/// </summary>
/// <remarks>
/// The paper scales the maps of shallow layers with tanh(2·M / max M) before fusing layers; pytorch-grad-cam does not,
/// and neither does this method (several layers are combined as for every method).
/// </remarks>
public sealed class LayerCam : CamMethod
{
    /// <inheritdoc />
    public override string Name => "LayerCAM";

    /// <inheritdoc />
    public override string Key => "layercam";

    /// <inheritdoc />
    protected internal override torch.Tensor ComputeMaps(CamCapture capture, bool eigenSmooth)
    {
        ArgumentNullException.ThrowIfNull(capture);
        using var positive = capture.Gradients.clamp_min(Scalars.Of(0));
        using var weighted = positive * capture.Activations;
        return SumOrProject(weighted, eigenSmooth);
    }
}
