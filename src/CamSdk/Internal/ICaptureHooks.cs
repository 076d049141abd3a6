using System.Collections.Generic;
using TorchSharp;

namespace CamSdk.Internal;

/// <summary>The hooks of one pass: what they capture, and what must be differentiated.</summary>
internal interface ICaptureHooks
{
    /// <summary>Whether the pass computes gradients.</summary>
    bool NeedsGradients { get; }

    /// <summary>How messages name each tensor that <see cref="Differentiate"/> returns the gradient at.</summary>
    IReadOnlyList<string> GradientInputNames { get; }

    /// <summary>The gradients of the scores' sum that the pass needs, once the forward pass ran; null for none.</summary>
    /// <param name="scores">The target scores, shape [N], known to require grad when this is called with gradients needed.</param>
    IReadOnlyList<torch.Tensor>? Differentiate(torch.Tensor scores);

    /// <summary>The tensor the model runs on (the input itself, or a leaf copy of it to differentiate).</summary>
    torch.Tensor PrepareInput(torch.Tensor input);

    /// <summary>Throws a clear exception unless the hooks ran as the pass needs.</summary>
    void RequireRan();

    /// <summary>Ends the gradient mode that the hooks enabled during the forward pass, if any.</summary>
    void EndGradients();
}
