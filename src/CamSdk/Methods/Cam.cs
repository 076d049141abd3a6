using System;
using System.Linq;
using CamSdk.Internal;
using TorchSharp;
using TorchSharp.Modules;

namespace CamSdk.Methods;

/// <summary>
/// CAM (Zhou et al., "Learning Deep Features for Discriminative Localization", CVPR 2016): for a network whose explained
/// layer is followed by global average pooling and a linear class head, the weight of channel k for class c is the
/// head's weight w^c_k. No gradient is needed.
/// </summary>
/// <remarks>
/// On such a network ∂y^c/∂A^k_ij = w^c_k / (h·w), so Grad-CAM's weights are CAM's divided by h·w and the two give the
/// same normalised map: the Grad-CAM paper's identity, which the tests check between these two methods.
/// </remarks>
public sealed class Cam : ChannelWeightCamMethod
{
    private readonly Linear _classifier;

    /// <summary>Creates CAM for the given class head.</summary>
    /// <param name="classifier">The linear layer that maps the globally pooled channels of the explained layer to the class scores.</param>
    /// <exception cref="ArgumentException"><paramref name="classifier"/> is not a linear layer.</exception>
    public Cam(torch.nn.Module<torch.Tensor, torch.Tensor> classifier)
    {
        ArgumentNullException.ThrowIfNull(classifier);
        _classifier = classifier as Linear
            ?? throw new ArgumentException(
                $"CAM needs the linear class head (TorchSharp.Modules.Linear) that follows global average pooling, but got {classifier.GetType().Name}.",
                nameof(classifier));
    }

    /// <inheritdoc />
    public override string Name => "CAM";

    /// <inheritdoc />
    public override string Key => MethodKey;

    /// <summary>CAM's key (<see cref="Key"/>): known before a class head is at hand, as the command line needs it.</summary>
    public const string MethodKey = "cam";

    /// <inheritdoc />
    public override bool UsesGradients => false;

    /// <inheritdoc />
    protected override torch.Tensor ComputeChannelWeights(CamCapture capture)
    {
        ArgumentNullException.ThrowIfNull(capture);
        var classes = capture.ClassIndices
            ?? throw new CamTargetException("CAM explains classes: its weights are the class head's rows. Explain a class target, not a score function.");
        using var scope = torch.NewDisposeScope();
        var weight = _classifier.weight!.detach();
        var channels = capture.Activations.shape[1];
        if (weight.shape[1] != channels)
        {
            throw new CamLayerException(
                $"CAM's class head takes {weight.shape[1]} features, but the layer '{capture.LayerName}' has {channels} channels. CAM applies only when the " +
                "explained layer is followed directly by global average pooling and this linear head; use Grad-CAM for other networks.");
        }

        if (classes.Any(c => c >= weight.shape[0]))
        {
            throw new CamTargetException($"CAM's class head has {weight.shape[0]} classes, fewer than the explained class {classes.Max()}. Pass the head that computes the class scores.");
        }

        using var index = torch.tensor(classes.Select(c => (long)c).ToArray(), device: weight.device);
        return weight.index_select(0, index).to(capture.Activations.device).to_type(capture.Activations.dtype).MoveToOuterDisposeScope();
    }
}
