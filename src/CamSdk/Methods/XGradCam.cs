using CamSdk.Internal;
using TorchSharp;

namespace CamSdk.Methods;

/// <summary>
/// XGrad-CAM (Fu et al., "Axiom-based Grad-CAM", BMVC 2020): w_k = Σ_ij (A_ij^k / (Σ_ab A_ab^k + 1e-7)) ∂y^c/∂A_ij^k,
/// the gradient averaged with the activations' own weights, as pytorch-grad-cam computes it.
/// </summary>
public sealed class XGradCam : ChannelWeightCamMethod
{
    /// <inheritdoc />
    public override string Name => "XGradCAM";

    /// <inheritdoc />
    public override string Key => "xgradcam";

    /// <inheritdoc />
    protected override torch.Tensor ComputeChannelWeights(CamCapture capture)
    {
        using var scope = torch.NewDisposeScope();
        var activations = capture.Activations;
        var sum = activations.sum([2L, 3L], keepdim: true);
        return (capture.Gradients * activations / sum.Plus(Scalars.Of(1e-7))).sum([2L, 3L]).MoveToOuterDisposeScope();
    }
}
