using System;
using CamSdk.Methods;
using TorchSharp;

namespace CamSdk.Internal;

/// <summary>
/// The loop that Score-CAM and Ablation-CAM share: for each image, one extra forward pass per batch of channels,
/// each giving one score per channel, with progress and cancellation between batches.
/// </summary>
internal static class ChannelPasses
{
    /// <summary>Scores every image's every channel; returns them as an N×K tensor of the activations' type.</summary>
    /// <param name="capture">The call's capture.</param>
    /// <param name="method">The method's name, for progress reports.</param>
    /// <param name="batchSize">How many channels one pass scores.</param>
    /// <param name="scoreBatch">(image, first channel, count) to the scores of those channels, shape [count].</param>
    internal static torch.Tensor Score(CamCapture capture, string method, int batchSize, Func<int, int, int, torch.Tensor> scoreBatch)
    {
        if (batchSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, $"{method}'s batch size must be at least 1.");
        }

        var activations = capture.Activations;
        var (images, channels) = ((int)activations.shape[0], (int)activations.shape[1]);
        var scores = torch.zeros(images, channels, dtype: activations.dtype, device: activations.device);
        for (var n = 0; n < images; n++)
        {
            for (var first = 0; first < channels; first += batchSize)
            {
                using var scope = torch.NewDisposeScope();
                var count = Math.Min(batchSize, channels - first);
                scores[n, first..(first + count)] = scoreBatch(n, first, count).to_type(scores.dtype);
                capture.ReportProgress(method, n * channels + first + count, images * channels);
            }
        }

        return scores;
    }
}
