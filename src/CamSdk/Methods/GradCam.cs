using TorchSharp;

namespace CamSdk.Methods;

/// <summary>
/// Grad-CAM (Selvaraju et al., "Grad-CAM: Visual Explanations from Deep Networks via Gradient-based
/// Localization", ICCV 2017, eq. 1): α_k^c = (1/Z) Σ_i Σ_j ∂y^c/∂A^k_ij, the global average of the
/// gradient of the pre-softmax class score over each channel's feature map.
/// </summary>
public sealed class GradCam : CamMethod
{
    /// <inheritdoc />
    public override string Name => "GradCAM";

    /// <inheritdoc />
    public override torch.Tensor ComputeChannelWeights(torch.Tensor activations, torch.Tensor gradients)
    {
        System.ArgumentNullException.ThrowIfNull(gradients);
        return gradients.mean([2L, 3L]);
    }
}
