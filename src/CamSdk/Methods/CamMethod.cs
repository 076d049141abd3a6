using TorchSharp;

namespace CamSdk.Methods;

/// <summary>
/// A member of the CAM family: how the channels of the explained layer are weighted.
/// </summary>
/// <remarks>
/// <see cref="CamExplainer"/> owns everything the methods share (hooks, forward pass, target scores,
/// gradients, ReLU, upsampling and normalisation); a method only turns the layer's activations
/// A (N×K×h×w) and the gradients ∂y/∂A (same shape) into one weight per image and channel (N×K).
/// The map is then ReLU(Σ_k w_k A^k).
/// </remarks>
public abstract class CamMethod
{
    /// <summary>Grad-CAM (Selvaraju et al., ICCV 2017): w_k = the spatial mean of ∂y^c/∂A^k.</summary>
    public static CamMethod GradCam { get; } = new GradCam();

    /// <summary>The method's name, as papers and pytorch-grad-cam spell it (e.g. <c>GradCAM</c>).</summary>
    public abstract string Name { get; }

    /// <summary>
    /// Computes one weight per image and channel.
    /// </summary>
    /// <param name="activations">The layer's output A, N×K×h×w, detached from the graph.</param>
    /// <param name="gradients">∂(Σ_n y_n)/∂A, N×K×h×w; row n holds ∂y_n/∂A_n.</param>
    /// <returns>An N×K tensor on the activations' device.</returns>
    public abstract torch.Tensor ComputeChannelWeights(torch.Tensor activations, torch.Tensor gradients);

    /// <inheritdoc />
    public override string ToString() => Name;
}
