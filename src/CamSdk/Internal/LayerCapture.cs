using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;

namespace CamSdk.Internal;

/// <summary>
/// Captures the output of each explained layer during one forward pass, for the calling thread only.
/// </summary>
/// <remarks>
/// The forward pass runs under <c>no_grad</c>. When gradients are needed, the first explained layer to run
/// enables them and makes its output a leaf of the graph: the backward pass then stops there (no gradient
/// through the layers below, none into any parameter, frozen parameters do not matter) and the layers below
/// keep no graph in memory. A later explained layer lies downstream of that leaf, so its own output is
/// differentiated where it is, with the gradient of everything after it. Each captured output goes on as a
/// copy, so that an in-place operation after the layer (ReLU(inplace: true)) neither fails on a leaf nor
/// overwrites the capture.
/// </remarks>
internal sealed class LayerCapture : ICaptureHooks, IDisposable
{
    private readonly IReadOnlyList<string> _names;
    private readonly bool _gradients;
    private readonly ActivationReshape? _reshape;
    private readonly ScopedHook[] _hooks;
    private readonly torch.Tensor?[] _outputs;
    private readonly int[] _calls;
    private IDisposable? _gradientMode;

    internal LayerCapture(IReadOnlyList<torch.nn.Module<torch.Tensor, torch.Tensor>> layers, IReadOnlyList<string> names, bool gradients, ActivationReshape? reshape)
    {
        _names = names;
        GradientInputNames = [.. names.Select(n => $"the target layer '{n}'")];
        _gradients = gradients;
        _reshape = reshape;
        _outputs = new torch.Tensor?[layers.Count];
        _calls = new int[layers.Count];
        _hooks = new ScopedHook[layers.Count];
        for (var i = 0; i < layers.Count; i++)
        {
            var index = i;
            _hooks[i] = ScopedHook.Install(layers[i], (_, _, output) => OnForward(index, output));
        }
    }

    /// <summary>Each layer's output as the layer returned it (before any reshape); owned by this capture.</summary>
    internal IReadOnlyList<torch.Tensor> Outputs => [.. _outputs.Select(o => o!)];

    public bool NeedsGradients => _gradients;

    public IReadOnlyList<string> GradientInputNames { get; }

    public IReadOnlyList<torch.Tensor>? Differentiate(torch.Tensor scores) =>
        _gradients ? Explanation.Gradients(scores, Outputs, GradientInputNames) : null;

    public torch.Tensor PrepareInput(torch.Tensor input) => input;

    public void RequireRan()
    {
        for (var i = 0; i < _outputs.Length; i++)
        {
            var name = _names[i];
            if (_calls[i] == 0 || _outputs[i] is null)
            {
                throw new CamLayerException(
                    $"The target layer '{name}' did not run during the model's forward pass, so there is no activation to explain. " +
                    "TorchSharp runs forward hooks only through Module.call: if the model's forward calls " +
                    $"{name}.forward(x), change it to {name}.call(x). Also check that forward actually uses this layer.");
            }

            if (_calls[i] > 1)
            {
                throw new CamLayerException(
                    $"The target layer '{name}' ran {_calls[i]} times during one forward pass, so its activation is ambiguous. " +
                    "Explain a layer that the model applies once (use separate module instances where the same one is reused).");
            }
        }
    }

    public void EndGradients()
    {
        _gradientMode?.Dispose();
        _gradientMode = null;
    }

    /// <summary>Removes the hooks; the captured outputs stay until <see cref="Dispose"/>.</summary>
    internal void RemoveHooks()
    {
        foreach (var hook in _hooks)
        {
            hook.Dispose();
        }
    }

    public void Dispose()
    {
        EndGradients();
        RemoveHooks();
        for (var i = 0; i < _outputs.Length; i++)
        {
            _outputs[i]?.Dispose();
            _outputs[i] = null;
        }
    }

    private torch.Tensor? OnForward(int index, torch.Tensor output)
    {
        _calls[index]++;
        if (_calls[index] > 1)
        {
            return null; // keep the module's output; RequireRan reports the repeat
        }

        var name = _names[index];
        if (output is null || output.IsInvalid)
        {
            throw new CamLayerException($"The target layer '{name}' returned no tensor. Explain a layer that returns its feature map.");
        }

        if (_reshape is null && output.dim() != 4)
        {
            throw new CamLayerException(
                $"The target layer '{name}' returned shape {Shapes.Format(output.shape)}, but the CAM methods need a feature map of shape N×K×h×w. " +
                "Explain a convolutional layer or block, such as the last convolutional block (ResNet's layer4, VGG's last conv); " +
                "for a transformer's tokens (N×T×D) or a channels-last map (N×h×w×C), set ExplainerOptions.Reshape (e.g. ActivationReshape.Tokens()).");
        }

        torch.Tensor captured;
        if (!_gradients)
        {
            captured = output.detach();
        }
        else
        {
            _gradientMode ??= torch.enable_grad();
            // Downstream of an earlier explained layer's leaf, the output is differentiated where it stands.
            captured = output.requires_grad ? output : output.detach().requires_grad_(true);
        }

        // The model's forward may run in a dispose scope (TorchVision's do): keep the capture out of it.
        _outputs[index] = captured.DetachFromDisposeScope();
        return captured.clone();
    }
}
