using System;
using System.Linq;
using CamSdk.Internal;
using CamSdk.Localization;
using SkiaSharp;
using TorchSharp;

namespace CamSdk.Imaging;

/// <summary>
/// The pictures of an explanation, computed as pytorch-grad-cam computes them: heatmaps through OpenCV's colour maps,
/// heatmaps blended over the image (<c>show_cam_on_image</c>), gradients rendered as images (<c>deprocess_image</c>),
/// and localisation boxes.
/// </summary>
public static class CamPictures
{
    /// <summary>pytorch-grad-cam's default weight of the image in an overlay.</summary>
    public const float DefaultImageWeight = 0.5f;

    /// <summary>A map coloured by a colour map: value m becomes <c>colormap[uint8(255 · m)]</c> (truncated, as NumPy does).</summary>
    /// <param name="map">A map with values in [0, 1], indexed [row, column] (e.g. <c>CamResult.HeatmapToArray(i)</c>).</param>
    /// <param name="colormap">The colour map; <see cref="Colormap.Jet"/> by default.</param>
    /// <returns>The coloured map.</returns>
    public static RgbImage Heatmap(float[,] map, Colormap? colormap = null)
    {
        ArgumentNullException.ThrowIfNull(map);
        colormap ??= Colormap.Jet;
        var (height, width) = (map.GetLength(0), map.GetLength(1));
        var pixels = new byte[width * height * 3];
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                var (r, g, b) = colormap[ToByte(map[y, x])];
                var i = ((y * width) + x) * 3;
                (pixels[i], pixels[i + 1], pixels[i + 2]) = (r, g, b);
            }
        }

        return new RgbImage(width, height, pixels);
    }

    /// <summary>
    /// pytorch-grad-cam's <c>show_cam_on_image(img, mask, use_rgb=True)</c>, in the same single-precision steps:
    /// heatmap = colormap[uint8(255 · mask)] / 255; cam = (1 − w) · heatmap + w · image; cam /= max(cam); uint8(255 · cam).
    /// </summary>
    /// <param name="image">The image the model saw (resized and cropped, not normalised).</param>
    /// <param name="map">A map with values in [0, 1] and the image's size, indexed [row, column].</param>
    /// <param name="imageWeight">The image's weight w in the blend, in [0, 1].</param>
    /// <param name="colormap">The colour map; <see cref="Colormap.Jet"/> by default.</param>
    /// <returns>The blended picture.</returns>
    public static RgbImage Overlay(RgbImage image, float[,] map, float imageWeight = DefaultImageWeight, Colormap? colormap = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(map);
        if (map.GetLength(0) != image.Height || map.GetLength(1) != image.Width)
        {
            throw new ArgumentException($"The map is {map.GetLength(1)}×{map.GetLength(0)} but the image {image.Width}×{image.Height}: overlay the image the model saw (ImagePreprocessor.Prepare).", nameof(map));
        }

        if (imageWeight is < 0 or > 1 || float.IsNaN(imageWeight))
        {
            throw new ArgumentOutOfRangeException(nameof(imageWeight), imageWeight, "The image weight is in [0, 1].");
        }

        var heat = Heatmap(map, colormap).Pixels;
        var blend = new float[heat.Length];
        var max = 0f;
        for (int i = 0; i < blend.Length; i++)
        {
            blend[i] = ((1 - imageWeight) * (heat[i] / 255f)) + (imageWeight * (image.Pixels[i] / 255f));
            max = Math.Max(max, blend[i]);
        }

        var pixels = new byte[blend.Length];
        for (int i = 0; i < blend.Length; i++)
        {
            pixels[i] = (byte)(255 * (blend[i] / max));
        }

        return new RgbImage(image.Width, image.Height, pixels);
    }

    /// <summary>
    /// Gradients (Guided Backpropagation, Guided Grad-CAM) as a picture, as pytorch-grad-cam's <c>deprocess_image</c> shows
    /// them: standardised over the whole image, scaled by 0.1 around mid-gray, clipped to [0, 1], 8 bits.
    /// </summary>
    /// <param name="gradients">A C×H×W tensor (one image of a result's N×C×H×W gradients).</param>
    /// <returns>The picture.</returns>
    public static RgbImage Gradients(torch.Tensor gradients)
    {
        ArgumentNullException.ThrowIfNull(gradients);
        using var scope = torch.NewDisposeScope();
        var x = gradients.detach().to(torch.float64).cpu();
        var standardised = (x - x.mean()) / x.std(unbiased: false).Plus(Scalars.Of(1e-5));
        var shown = standardised.mul(Scalars.Of(0.1)).Plus(Scalars.Of(0.5)).clamp(Scalars.Of(0), Scalars.Of(1));
        var bytes = shown.mul(Scalars.Of(255)).to(torch.float32).floor().to(torch.uint8).expand(3, -1, -1).permute(1, 2, 0).contiguous();
        return new RgbImage((int)x.shape[2], (int)x.shape[1], bytes.data<byte>().ToArray());
    }

    /// <summary>Draws a box, and a caption above it, on a copy of an image.</summary>
    /// <param name="image">The image.</param>
    /// <param name="box">The box, in the image's pixels.</param>
    /// <param name="caption">Text to write at the box's top-left corner, or null.</param>
    /// <returns>A new image.</returns>
    public static RgbImage DrawBox(RgbImage image, BoundingBox box, string? caption = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        using var bitmap = image.ToBitmap();
        using (var canvas = new SKCanvas(bitmap))
        {
            var stroke = Math.Max(1f, Math.Min(image.Width, image.Height) / 112f);
            using var paint = new SKPaint { Color = new SKColor(0, 255, 0), Style = SKPaintStyle.Stroke, StrokeWidth = stroke, IsAntialias = false };
            canvas.DrawRect(box.Left + (stroke / 2), box.Top + (stroke / 2), box.Width - stroke, box.Height - stroke, paint);
            if (!string.IsNullOrEmpty(caption))
            {
                using var font = new SKFont(EmbeddedFont.Typeface, Math.Max(10f, image.Height / 20f));
                var width = font.MeasureText(caption);
                var top = Math.Max(0f, box.Top - font.Size - 2);
                using var background = new SKPaint { Color = new SKColor(0, 255, 0), Style = SKPaintStyle.Fill };
                canvas.DrawRect(box.Left, top, width + 4, font.Size + 2, background);
                using var text = new SKPaint { Color = SKColors.Black, IsAntialias = true };
                canvas.DrawText(caption, box.Left + 2, top + font.Size - 1, SKTextAlign.Left, font, text);
            }
        }

        return RgbImage.FromBitmap(bitmap);
    }

    /// <summary>NumPy's <c>np.uint8(255 * m)</c> for m in [0, 1]: truncation toward zero, after clamping.</summary>
    private static byte ToByte(float value) => (byte)Math.Clamp(255 * value, 0f, 255f);
}
