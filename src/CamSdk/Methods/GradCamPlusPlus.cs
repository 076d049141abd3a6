using CamSdk.Internal;
using TorchSharp;

namespace CamSdk.Methods;

/// <summary>
/// Grad-CAM++ (Chattopadhyay et al., "Grad-CAM++: Improved Visual Explanations for Deep Convolutional Networks",
/// WACV 2018), as pytorch-grad-cam computes it: w_k = Σ_ij α_ij^k ReLU(g_ij^k) with
/// α_ij^k = g² / (2g² + Σ_ab A_ab^k · g³ + 1e-6) where g = ∂y^c/∂A^k_ij, and α = 0 where g = 0.
/// </summary>
/// <remarks>
/// The paper derives α from the higher derivatives of exp(S^c); like pytorch-grad-cam (and the paper's own code), the
/// powers of the first derivative of the score stand in for them, which is exact when the score is followed by an
/// exponential and the network is piecewise linear. The 1e-6 guards the division.
/// </remarks>
public sealed class GradCamPlusPlus : ChannelWeightCamMethod
{
    /// <inheritdoc />
    public override string Name => "GradCAMPlusPlus";

    /// <inheritdoc />
    public override string Key => "gradcam++";

    /// <inheritdoc />
    protected override torch.Tensor ComputeChannelWeights(CamCapture capture)
    {
        using var scope = torch.NewDisposeScope();
        var grads = capture.Gradients;
        var squared = grads * grads;
        var cubed = squared * grads;
        var sumActivations = capture.Activations.sum([2L, 3L], keepdim: true);
        var alpha = squared / squared.mul(Scalars.Of(2)).Plus(sumActivations * cubed).Plus(Scalars.Of(1e-6));
        alpha = torch.where(grads.ne(Scalars.Of(0)), alpha, torch.zeros_like(alpha));
        return (grads.clamp_min(Scalars.Of(0)) * alpha).sum([2L, 3L]).MoveToOuterDisposeScope();
    }
}
