using TorchSharp;

namespace CamSdk.Guided;

/// <summary>
/// Makes guidable twins of models that apply ReLUs functionally (which no hook can guide): a twin computes the same
/// function from the model's own parameters and buffers, with every ReLU a module run through <c>call</c>.
/// </summary>
/// <remarks>
/// <see cref="GuidedBackpropagation"/> asks the registered providers (<see cref="GuidableTwins"/>) for a twin before it
/// guides a model, and guides the twin when one answers. CamSdk.Models provides the twins of TorchSharp's TorchVision
/// ResNets.
/// </remarks>
public interface IGuidableTwinProvider
{
    /// <summary>A twin of <paramref name="model"/> in evaluation mode that shares its tensors, or null when this provider does not know the model.</summary>
    /// <param name="model">The model to guide. Called inside the model's explanation lock.</param>
    /// <returns>The twin, or null.</returns>
    /// <exception cref="CamModelException">The provider knows the kind of model but cannot make a twin of this one.</exception>
    torch.nn.Module<torch.Tensor, torch.Tensor>? TwinOf(torch.nn.Module<torch.Tensor, torch.Tensor> model);
}
