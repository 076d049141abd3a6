using CamSdk.Imaging;
using CamSdk.Localization;

namespace CamSdk.Evaluation;

/// <summary>One method's explanation of one class of one image, kept for a report.</summary>
/// <param name="MethodKey">The method's key (e.g. <c>gradcam</c>, <c>guided-backprop</c>).</param>
/// <param name="Map">The map at the image's resolution, [row, column]; in [0, 1] for the CAM family, the per-pixel saliency for gradient methods.</param>
/// <param name="Box">The box around the map's largest segment above 15% of its maximum, or null.</param>
/// <param name="Picture">For gradient methods, their colour picture (normalised gradients); null for the CAM family, whose picture is an overlay of <paramref name="Map"/>.</param>
public sealed record ExplainedMap(string MethodKey, float[,] Map, BoundingBox? Box, RgbImage? Picture)
{
    /// <summary>The method's name in reports; its key when not given.</summary>
    public string MethodName { get; init; } = MethodKey;
}
