using TorchSharp;

namespace CamSdk.Internal;

/// <summary>Combining, upsampling and normalising maps, as pytorch-grad-cam does.</summary>
internal static class Maps
{
    /// <summary>pytorch-grad-cam's <c>scale_cam_image</c> divides by (1e-7 + max): a zero map stays zero, never NaN.</summary>
    internal const double NormalisationEpsilon = 1e-7;

    /// <summary>ReLU(Σ_k w_k A^k): N×K weights and N×K×h×w activations to an N×h×w map.</summary>
    internal static torch.Tensor WeightedSum(torch.Tensor weights, torch.Tensor activations)
    {
        using var w = weights.unsqueeze(-1).unsqueeze(-1);
        using var weighted = w * activations;
        using var sum = weighted.sum(1);
        return sum.relu();
    }

    /// <summary>Bilinear upsampling with align_corners = false (OpenCV's INTER_LINEAR), then per-image min-max scaling to [0, 1].</summary>
    internal static torch.Tensor UpsampleAndNormalise(torch.Tensor maps, long height, long width)
    {
        using var batch = maps.unsqueeze(1);
        using var upsampled4 = torch.nn.functional.interpolate(batch, [height, width], mode: torch.InterpolationMode.Bilinear, align_corners: false);
        using var upsampled = upsampled4.squeeze(1);
        using var min = upsampled.amin([1L, 2L], keepdim: true);
        using var shifted = upsampled - min;
        using var max = shifted.amax([1L, 2L], keepdim: true);
        using var denominator = max + NormalisationEpsilon;
        return shifted / denominator;
    }
}
