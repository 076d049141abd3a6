using System;
using System.Linq;
using CamSdk.Internal;
using TorchSharp;

namespace CamSdk.Methods;

/// <summary>
/// Ablation-CAM (Desai and Ramaswamy, "Ablation-CAM: Visual Explanations for Deep Convolutional Network via
/// Gradient-free Localization", WACV 2020): the weight of channel k is the relative drop of the target score when
/// channel k of the layer's output is ablated, (y^c − y^c_k) / y^c. No gradient; N·K extra forward passes, run in
/// batches of <see cref="BatchSize"/>, with the layer's output replaced (the layers below it still run).
/// </summary>
/// <remarks>
/// As in pytorch-grad-cam, a channel is ablated by setting it to 0 when the image's activations have 0 as their
/// minimum (after a ReLU), and otherwise to (minimum − 1e7), a departure from the paper for layers with negative
/// activations. pytorch-grad-cam takes that minimum over the batch it has already ablated, so each further channel of
/// a batch gets 1e7 less; here every channel gets the same value, which does not depend on the batch size. For a
/// transformer, the channel is ablated in every token, the class token too, as pytorch-grad-cam's
/// <c>AblationLayerVit</c> does.
/// </remarks>
public sealed class AblationCam : ChannelWeightCamMethod
{
    /// <summary>The value pytorch-grad-cam subtracts from the minimum to ablate a channel of a layer with negative activations.</summary>
    public const double AblationOffset = 1e7;

    /// <summary>How many ablated copies one forward pass scores; 32 by default, as pytorch-grad-cam.</summary>
    public int BatchSize { get; init; } = 32;

    /// <inheritdoc />
    public override string Name => "AblationCAM";

    /// <inheritdoc />
    public override string Key => "ablationcam";

    /// <inheritdoc />
    public override bool UsesGradients => false;

    /// <inheritdoc />
    protected override torch.Tensor ComputeChannelWeights(CamCapture capture)
    {
        ArgumentNullException.ThrowIfNull(capture);
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var output = capture.LayerOutput;
        var dimension = capture.ChannelDimension;
        var channels = output.shape[dimension];
        if (channels != capture.Activations.shape[1])
        {
            throw new CamLayerException(
                $"Ablation-CAM ablates dimension {dimension} of the layer's output, which has {channels} entries, but the map has {capture.Activations.shape[1]} channels. " +
                "Set the reshape's channel dimension to the one that becomes the map's channels.");
        }

        var identity = torch.eye(channels, dtype: torch.@bool, device: output.device);
        // Every image's minimum in one read from the device (a host value per image: the ablation's fill).
        var ablationValues = output.flatten(1).amin(1).to_type(torch.float64).cpu().data<double>().ToArray()
            .Select(minimum => minimum == 0 ? 0.0 : minimum - AblationOffset).ToArray();

        var scores = ChannelPasses.Score(capture, Name, BatchSize, (n, first, count) =>
        {
            var row = output[n];
            var shape = new long[row.dim() + 1];
            Array.Fill(shape, 1L);
            shape[0] = count;
            shape[dimension] = channels;
            var mask = identity[first..(first + count)].reshape(shape);
            using var value = ablationValues[n].ToScalar();
            return capture.ScoreWithLayerOutputs(n, row.unsqueeze(0).masked_fill(mask, value));
        });
        var original = capture.Scores.to_type(scores.dtype).unsqueeze(1);
        return ((original - scores) / original).MoveToOuterDisposeScope();
    }
}
