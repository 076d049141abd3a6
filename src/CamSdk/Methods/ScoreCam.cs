using System;
using CamSdk.Internal;
using TorchSharp;

namespace CamSdk.Methods;

/// <summary>
/// Score-CAM (Wang et al., "Score-CAM: Score-Weighted Visual Explanations for Convolutional Neural Networks", CVPRW 2020):
/// each channel, upsampled to the input and min-max scaled to [0, 1], masks the input; the channel's weight is the
/// target's score on that masked input. No gradient; N·K extra forward passes, run in batches of <see cref="BatchSize"/>.
/// </summary>
/// <remarks>
/// <para>
/// By default exactly as pytorch-grad-cam computes it: upsampling with align_corners = true (its
/// <c>UpsamplingBilinear2d</c>), scaling by (m − min) / (max − min + 1e-8), and weights = softmax over the channels of
/// the target scores (logits). The paper's authors instead take the class's softmax probability on each masked input,
/// upsample with align_corners = false and skip constant channels: <see cref="Paper"/> does that.
/// </para>
/// <para>Reports progress through <see cref="ExplainerOptions.Progress"/> and honours cancellation between batches.</para>
/// </remarks>
public sealed class ScoreCam : ChannelWeightCamMethod
{
    /// <summary>Score-CAM as the paper's authors compute it (class probability, align_corners = false, constant channels skipped).</summary>
    public static ScoreCam Paper { get; } = new() { Weighting = ScoreCamWeighting.ClassProbability, AlignCorners = false };

    /// <summary>How many masked inputs one forward pass scores; 16 by default, as pytorch-grad-cam.</summary>
    public int BatchSize { get; init; } = 16;

    /// <summary>How scores become weights; pytorch-grad-cam's softmax over channels by default.</summary>
    public ScoreCamWeighting Weighting { get; init; } = ScoreCamWeighting.SoftmaxOverChannels;

    /// <summary>Whether the channels are upsampled with align_corners = true (pytorch-grad-cam) or false (the paper's code).</summary>
    public bool AlignCorners { get; init; } = true;

    /// <inheritdoc />
    public override string Name => "ScoreCAM";

    /// <inheritdoc />
    public override string Key => "scorecam";

    /// <inheritdoc />
    public override bool UsesGradients => false;

    /// <inheritdoc />
    protected override torch.Tensor ComputeChannelWeights(CamCapture capture)
    {
        ArgumentNullException.ThrowIfNull(capture);
        var probability = Weighting == ScoreCamWeighting.ClassProbability;
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var input = capture.Input;
        long[] size = [input.shape[2], input.shape[3]];
        var scores = ChannelPasses.Score(capture, Name, BatchSize, (n, first, count) =>
        {
            var upsampled = torch.nn.functional.interpolate(
                capture.Activations[n..(n + 1), first..(first + count)], size, mode: torch.InterpolationMode.Bilinear, align_corners: AlignCorners)[0];
            var min = upsampled.amin([1L, 2L], keepdim: true);
            var max = upsampled.amax([1L, 2L], keepdim: true);
            var masks = probability ? (upsampled - min) / (max - min) : (upsampled - min) / (max - min).Plus(Scalars.Of(1e-8));
            var batchScores = capture.ScoreInputs(n, input[n].unsqueeze(0) * masks.unsqueeze(1), probability);
            // The authors skip channels whose upsampled activation is constant (their mask would be 0/0).
            return probability ? torch.where((max == min).reshape(count), torch.zeros_like(batchScores), batchScores) : batchScores;
        });
        return (probability ? scores : scores.softmax(-1)).MoveToOuterDisposeScope();
    }
}
