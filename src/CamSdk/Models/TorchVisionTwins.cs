using System.Linq;
using System.Runtime.CompilerServices;
using TorchSharp;

namespace CamSdk.Models;

/// <summary>
/// The zoo's twin of a TorchSharp TorchVision ResNet: same state-dict keys, same weights (copied at every call),
/// but every ReLU applied as a module, so that Guided Backpropagation can guide all of them.
/// </summary>
internal static class TorchVisionTwins
{
    private static readonly ConditionalWeakTable<torch.nn.Module, ResNet> Twins = new();

    /// <summary>Whether <paramref name="model"/> is TorchSharp's TorchVision ResNet, whose blocks end with a functional ReLU.</summary>
    internal static bool IsTorchVisionResNet(torch.nn.Module model) => model.GetType().FullName == "TorchSharp.Modules.ResNet";

    /// <summary>The twin of a TorchVision ResNet with its current weights, on its device; null for any other model.</summary>
    internal static ResNet? For(torch.nn.Module model)
    {
        if (!IsTorchVisionResNet(model))
        {
            return null;
        }

        var state = model.state_dict();
        var twin = Twins.GetValue(model, static m => Create(m));
        using var noGrad = torch.no_grad();
        foreach (var (key, tensor) in twin.state_dict())
        {
            tensor.copy_(state[key]);
        }

        return twin;
    }

    private static ResNet Create(torch.nn.Module model)
    {
        var state = model.state_dict();
        var twin = ResNet.FromStateDictShapes(state.ToDictionary(e => e.Key, e => e.Value.shape));
        var twinState = twin?.state_dict();
        if (twin is null || twinState!.Count != state.Count || twinState.Any(e => !state.TryGetValue(e.Key, out var t) || !t.shape.SequenceEqual(e.Value.shape)))
        {
            throw new CamModelException(
                "Guided Backpropagation cannot be computed correctly on this TorchSharp TorchVision ResNet: its residual blocks end with a " +
                "functional x.add_(identity).relu_(), which no hook can reach, and CamSdk could not build its ResNet twin from its state dict. " +
                "Use Grad-CAM (CamExplainer.Explain), or CamSdk.Models.ResNet, whose every ReLU is a module.");
        }

        var device = state.Values.First().device;
        return device.type == DeviceType.CPU ? twin : (ResNet)twin.to(device);
    }
}
