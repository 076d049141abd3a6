using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using CamSdk.Guided;
using TorchSharp;

[assembly: GuidableTwinProvider(typeof(CamSdk.Models.TorchVisionTwins))]

namespace CamSdk.Models;

/// <summary>
/// The zoo's twin of a TorchSharp TorchVision ResNet: same state-dict keys, every ReLU applied as a module (so that
/// Guided Backpropagation can guide all of them), and the model's own parameter and buffer storage: the twin's tensors
/// are set to the model's (<c>Tensor.set_</c>), so nothing is copied and the twin always computes with the model's
/// current weights. Only used inside the model's explanation lock.
/// </summary>
internal sealed class TorchVisionTwins : IGuidableTwinProvider
{
    private static readonly ConditionalWeakTable<torch.nn.Module, Twin> Twins = new();

    /// <inheritdoc />
    public torch.nn.Module<torch.Tensor, torch.Tensor>? TwinOf(torch.nn.Module<torch.Tensor, torch.Tensor> model) =>
        IsTorchVisionResNet(model) ? For(model) : null;

    /// <summary>Whether <paramref name="model"/> is TorchSharp's TorchVision ResNet, whose blocks end with a functional ReLU.</summary>
    internal static bool IsTorchVisionResNet(torch.nn.Module model) => model.GetType().FullName == "TorchSharp.Modules.ResNet";

    /// <summary>The twin of a TorchVision ResNet, sharing its tensors, in evaluation mode. Call it inside the model's lock.</summary>
    internal static ResNet For(torch.nn.Module model)
    {
        var twin = Twins.GetValue(model, static m => new Twin(m));
        twin.Share(model);
        twin.Model.eval();
        return twin.Model;
    }

    private sealed class Twin
    {
        private Dictionary<string, torch.Tensor> _twinTensors;
        private Dictionary<string, torch.Tensor> _shared = [];

        internal Twin(torch.nn.Module model)
        {
            var state = model.state_dict();
            var twin = ResNet.FromStateDictShapes(state.ToDictionary(e => e.Key, e => e.Value.shape));
            var twinState = twin?.state_dict();
            if (twin is null || twinState!.Count != state.Count || twinState.Any(e => !state.TryGetValue(e.Key, out var t) || !t.shape.SequenceEqual(e.Value.shape)))
            {
                throw new CamModelException(
                    "Guided Backpropagation cannot be computed correctly on this TorchSharp TorchVision ResNet: its residual blocks end with a " +
                    "functional x.add_(identity).relu_(), which no hook can reach, and CamSdk could not build its ResNet twin from its state dict. " +
                    "Use a CAM method (CamExplainer.Explain), or CamSdk.Models.ResNet, whose every ReLU is a module.");
            }

            Model = twin;
            _twinTensors = twinState.ToDictionary(e => e.Key, e => e.Value);
        }

        internal ResNet Model { get; }

        /// <summary>Points every twin tensor at the model's tensor of the same name, where it does not already.</summary>
        internal void Share(torch.nn.Module model)
        {
            var state = model.state_dict();
            if (state.Count == _shared.Count && state.All(e => _shared.TryGetValue(e.Key, out var t) && ReferenceEquals(t, e.Value)))
            {
                return; // the same tensors as last time (load_state_dict copies into them in place)
            }

            // libtorch sets a tensor's storage only to one on its own device: the twin, built on the CPU, follows the model
            // to its device first (a GPU); its own values are about to be replaced by the model's storage anyway.
            if (state.Values.FirstOrDefault() is { } first && _twinTensors.Values.First() is { } mine
                && (mine.device_type != first.device_type || mine.device_index != first.device_index))
            {
                Model.to(first.device);
                _twinTensors = Model.state_dict().ToDictionary(e => e.Key, e => e.Value);
            }

            using var noGrad = torch.no_grad();
            foreach (var (key, tensor) in state)
            {
                _twinTensors[key].set_(tensor);
            }

            _shared = new Dictionary<string, torch.Tensor>(state);
        }
    }
}
