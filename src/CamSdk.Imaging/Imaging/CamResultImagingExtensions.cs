using System;
using CamSdk.Guided;
using CamSdk.Localization;

namespace CamSdk.Imaging;

/// <summary>Pictures of the runtime's results.</summary>
public static class CamResultImagingExtensions
{
    /// <summary>Image <paramref name="index"/>'s heatmap, coloured.</summary>
    /// <param name="result">The Grad-CAM result.</param>
    /// <param name="index">The image's position in the batch.</param>
    /// <param name="colormap">The colour map; jet by default.</param>
    /// <returns>The coloured heatmap, at the input's size.</returns>
    public static RgbImage ToHeatmapImage(this CamResult result, int index = 0, Colormap? colormap = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        return CamPictures.Heatmap(result.HeatmapToArray(index), colormap);
    }

    /// <summary>Image <paramref name="index"/>'s heatmap over the image the model saw (pytorch-grad-cam's <c>show_cam_on_image</c>).</summary>
    /// <param name="result">The Grad-CAM result.</param>
    /// <param name="image">The image the model saw: resized and cropped (<see cref="ImagePreprocessor.Prepare"/>), not normalised.</param>
    /// <param name="index">The image's position in the batch.</param>
    /// <param name="imageWeight">The image's weight in the blend.</param>
    /// <param name="colormap">The colour map; jet by default.</param>
    /// <returns>The overlay.</returns>
    public static RgbImage Overlay(this CamResult result, RgbImage image, int index = 0, float imageWeight = CamPictures.DefaultImageWeight, Colormap? colormap = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        return CamPictures.Overlay(image, result.HeatmapToArray(index), imageWeight, colormap);
    }

    /// <summary>The weakly-supervised localisation box of image <paramref name="index"/> (the paper's protocol).</summary>
    /// <param name="result">The Grad-CAM result.</param>
    /// <param name="index">The image's position in the batch.</param>
    /// <param name="threshold">The fraction of the map's maximum; 15% by default.</param>
    /// <returns>The box, or null for an empty map.</returns>
    public static BoundingBox? Localize(this CamResult result, int index = 0, float threshold = CamLocalizer.DefaultThreshold)
    {
        ArgumentNullException.ThrowIfNull(result);
        return CamLocalizer.Localize(result.HeatmapToArray(index), threshold);
    }

    /// <summary>Image <paramref name="index"/>'s guided gradients as a picture.</summary>
    /// <param name="result">The Guided Backpropagation result.</param>
    /// <param name="index">The image's position in the batch.</param>
    /// <returns>The picture.</returns>
    public static RgbImage ToImage(this GuidedBackpropagationResult result, int index = 0)
    {
        ArgumentNullException.ThrowIfNull(result);
        using var row = result.Gradients[index];
        return CamPictures.Gradients(row);
    }

    /// <summary>Image <paramref name="index"/>'s Guided Grad-CAM as a picture.</summary>
    /// <param name="result">The Guided Grad-CAM result.</param>
    /// <param name="index">The image's position in the batch.</param>
    /// <returns>The picture.</returns>
    public static RgbImage ToImage(this GuidedGradCamResult result, int index = 0)
    {
        ArgumentNullException.ThrowIfNull(result);
        using var row = result.GuidedGradCam[index];
        return CamPictures.Gradients(row);
    }
}
