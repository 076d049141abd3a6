using System.Collections.Generic;
using TorchSharp;

namespace CamSdk.Internal;

/// <summary>Scaling, upsampling and combining maps exactly as pytorch-grad-cam's <c>BaseCAM</c> does.</summary>
internal static class Maps
{
    /// <summary>pytorch-grad-cam's <c>scale_cam_image</c> divides by (1e-7 + max): a zero map stays zero, never NaN.</summary>
    internal const double NormalisationEpsilon = 1e-7;

    /// <summary>Per image, (m − min) / (1e-7 + max(m − min)) over the last two dimensions: <c>scale_cam_image</c>.</summary>
    internal static torch.Tensor MinMaxScale(torch.Tensor maps)
    {
        using var min = maps.amin([-2L, -1L], keepdim: true);
        using var shifted = maps - min;
        using var max = shifted.amax([-2L, -1L], keepdim: true);
        using var denominator = max.Plus(Scalars.Of(NormalisationEpsilon));
        return shifted / denominator;
    }

    /// <summary>Bilinear resizing with half-pixel centres (align_corners = false), as OpenCV's INTER_LINEAR.</summary>
    internal static torch.Tensor Resize(torch.Tensor maps, long height, long width)
    {
        using var batch = maps.unsqueeze(1);
        using var resized = torch.nn.functional.interpolate(batch, [height, width], mode: torch.InterpolationMode.Bilinear, align_corners: false);
        return resized.squeeze(1);
    }

    /// <summary>
    /// The heatmaps of one method: each layer's map (after its ReLU) scaled to [0, 1] and resized to the input, clipped at 0,
    /// averaged over the layers and scaled again (<c>compute_cam_per_layer</c>, then <c>aggregate_multi_layers</c>).
    /// </summary>
    internal static torch.Tensor Heatmaps(IReadOnlyList<torch.Tensor> layerMaps, long height, long width)
    {
        using var scope = torch.NewDisposeScope();
        var sum = torch.zeros(1, dtype: layerMaps[0].dtype, device: layerMaps[0].device);
        foreach (var map in layerMaps)
        {
            sum = sum.Plus(Resize(MinMaxScale(map), height, width).clamp_min(Scalars.Of(0)));
        }

        using var layers = layerMaps.Count.ToScalar();
        return MinMaxScale(sum.div(layers)).MoveToOuterDisposeScope();
    }
}
