using System;
using TorchSharp;

namespace CamSdk.Internal;

/// <summary>
/// Captures the target layer's output A during one forward pass and makes it a leaf of the graph:
/// the backward pass then stops at the layer (no gradient through the layers below it, none into any
/// parameter), and frozen parameters do not matter.
/// </summary>
internal sealed class LayerCapture : IDisposable
{
    private readonly torch.nn.Module<torch.Tensor, torch.Tensor>.HookRemover _hook;
    private readonly string _layerName;

    internal LayerCapture(torch.nn.Module<torch.Tensor, torch.Tensor> layer, string layerName)
    {
        _layerName = layerName;
        _hook = layer.register_forward_hook(OnForward);
    }

    internal int Calls { get; private set; }

    /// <summary>The captured activation, a leaf that requires grad; owned (and disposed) by this capture.</summary>
    internal torch.Tensor? Activation { get; private set; }

    /// <summary>Throws unless the layer ran exactly once in the forward pass.</summary>
    internal torch.Tensor Require()
    {
        if (Calls == 0 || Activation is null)
        {
            throw new CamLayerException(
                $"The target layer '{_layerName}' did not run during the model's forward pass, so there is no activation to explain. " +
                "TorchSharp runs forward hooks only through Module.call: if the model's forward calls " +
                $"{_layerName}.forward(x), change it to {_layerName}.call(x). Also check that forward actually uses this layer.");
        }

        if (Calls > 1)
        {
            throw new CamLayerException(
                $"The target layer '{_layerName}' ran {Calls} times during one forward pass, so its activation is ambiguous. " +
                "Explain a layer that the model applies once (use separate module instances where the same one is reused).");
        }

        return Activation;
    }

    public void Dispose()
    {
        _hook.remove();
        Activation?.Dispose();
        Activation = null;
    }

    private torch.Tensor OnForward(torch.nn.Module<torch.Tensor, torch.Tensor> module, torch.Tensor input, torch.Tensor output)
    {
        Calls++;
        if (Calls > 1)
        {
            return null!; // a hook that returns null keeps the module's output; Require() reports the repeat
        }

        if (output is null || output.IsInvalid || output.dim() != 4)
        {
            var shape = output is null || output.IsInvalid ? "no tensor" : "shape " + Shapes.Format(output.shape);
            throw new CamLayerException(
                $"The target layer '{_layerName}' returned {shape}, but Grad-CAM needs a feature map of shape N×K×h×w. " +
                "Explain a convolutional layer or block, such as the last convolutional block (ResNet's layer4, VGG's last conv).");
        }

        // The model's forward may run in a dispose scope (TorchVision's do): keep the leaf out of it.
        var leaf = output.detach().requires_grad_(true).DetachFromDisposeScope();
        Activation = leaf;
        // A copy goes on, so that an in-place operation after the layer (ReLU(inplace: true)) neither
        // fails on a leaf nor overwrites the captured activation.
        return leaf.clone();
    }
}
