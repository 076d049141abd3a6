using TorchSharp;

namespace CamSdk.Methods;

/// <summary>
/// Grad-CAM (Selvaraju et al., "Grad-CAM: Visual Explanations from Deep Networks via Gradient-based
/// Localization", ICCV 2017, eq. 1): α_k^c = (1/Z) Σ_i Σ_j ∂y^c/∂A^k_ij, the global average of the
/// gradient of the pre-softmax class score over each channel's feature map.
/// </summary>
public sealed class GradCam : ChannelWeightCamMethod
{
    /// <inheritdoc />
    public override string Name => "GradCAM";

    /// <inheritdoc />
    public override string Key => "gradcam";

    /// <inheritdoc />
    protected override torch.Tensor ComputeChannelWeights(CamCapture capture) => capture.Gradients.mean([2L, 3L]);
}
