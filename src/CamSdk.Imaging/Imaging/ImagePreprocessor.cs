using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;

namespace CamSdk.Imaging;

/// <summary>
/// Turns images into the normalised N×3×H×W float32 batch a model expects, with torchvision's semantics:
/// <c>Resize(size)</c> (shorter side to <see cref="ResizeTo"/>, bilinear with antialiasing, as torchvision's tensor
/// transform), <c>CenterCrop</c> and <c>Normalize(mean, std)</c> after scaling pixels to [0, 1].
/// </summary>
public sealed class ImagePreprocessor
{
    /// <summary>ImageNet evaluation preprocessing: Resize(256), CenterCrop(224), ImageNet mean and std.</summary>
    public static ImagePreprocessor ImageNet { get; } = new() { ResizeTo = 256, CropTo = 224 };

    /// <summary>The length of the shorter side after resizing (the longer keeps the aspect ratio); null keeps the size.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is below 1.</exception>
    public int? ResizeTo
    {
        get;
        init => field = value is < 1 ? throw new ArgumentOutOfRangeException(nameof(ResizeTo), value, "ResizeTo is the shorter side in pixels after resizing: at least 1, or null to keep the size.") : value;
    }

    /// <summary>The side of the centred square crop after resizing; null keeps the whole image.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is below 1.</exception>
    public int? CropTo
    {
        get;
        init => field = value is < 1 ? throw new ArgumentOutOfRangeException(nameof(CropTo), value, "CropTo is the side in pixels of the centred square crop: at least 1, or null to keep the whole image.") : value;
    }

    /// <summary>The per-channel mean subtracted after scaling to [0, 1] (ImageNet's by default).</summary>
    public IReadOnlyList<float> Mean { get; init; } = [0.485f, 0.456f, 0.406f];

    /// <summary>The per-channel standard deviation divided by (ImageNet's by default).</summary>
    public IReadOnlyList<float> Std { get; init; } = [0.229f, 0.224f, 0.225f];

    /// <summary>torchvision's <c>Resize(int)</c> output size: the shorter side becomes <paramref name="size"/>, the longer one int(size · long / short).</summary>
    /// <param name="width">The input width.</param>
    /// <param name="height">The input height.</param>
    /// <param name="size">The requested shorter side.</param>
    /// <returns>The output width and height.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A size is below 1.</exception>
    /// <exception cref="CamImageException">The resized image would have more pixels than <see cref="ImageLimits.MaxResizedPixels"/>.</exception>
    public static (int Width, int Height) ResizedSize(int width, int height, int size)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        var (w, h) = width <= height ? ((long)size, (long)size * height / width) : ((long)size * width / height, (long)size);
        ImageLimits.CheckResize(width, height, w, h);
        return ((int)w, (int)h);
    }

    /// <summary>torchvision's <c>CenterCrop</c> offsets: top = int(round((h − crop) / 2)), Python's rounding (half to even).</summary>
    /// <param name="width">The input width.</param>
    /// <param name="height">The input height.</param>
    /// <param name="crop">The crop's side.</param>
    /// <returns>The crop's left and top.</returns>
    public static (int Left, int Top) CropOffset(int width, int height, int crop) =>
        ((int)Math.Round((width - crop) / 2.0, MidpointRounding.ToEven), (int)Math.Round((height - crop) / 2.0, MidpointRounding.ToEven));

    /// <summary>Resizes and crops an image, without normalising: what the model sees, as a picture (for overlays).</summary>
    /// <param name="image">The image.</param>
    /// <returns>The resized and cropped image.</returns>
    public RgbImage Prepare(RgbImage image)
    {
        using var scope = torch.NewDisposeScope();
        return RgbImage.FromTensor(ResizeAndCrop(image));
    }

    /// <summary>Preprocesses one image into a 1×3×H×W batch.</summary>
    /// <param name="image">The image.</param>
    /// <returns>A new float32 tensor on the CPU.</returns>
    public torch.Tensor ToTensor(RgbImage image) => ToBatch([image]);

    /// <summary>Preprocesses images into one N×3×H×W batch; they must have the same size once resized and cropped.</summary>
    /// <param name="images">The images.</param>
    /// <returns>A new float32 tensor on the CPU.</returns>
    /// <exception cref="CamImageException">The images have different sizes after preprocessing.</exception>
    public torch.Tensor ToBatch(IReadOnlyList<RgbImage> images) => Preprocess(images, pictures: false).Batch;

    /// <summary>
    /// Preprocesses images into one N×3×H×W batch and gives, from the same resizing, each image as the model sees it (for
    /// overlays): every image is decoded and resized once.
    /// </summary>
    /// <param name="images">The images.</param>
    /// <returns>The batch (a new float32 tensor on the CPU) and the resized, cropped pictures.</returns>
    /// <exception cref="CamImageException">The images have different sizes after preprocessing.</exception>
    public (torch.Tensor Batch, IReadOnlyList<RgbImage> Pictures) ToBatchAndPictures(IReadOnlyList<RgbImage> images) => Preprocess(images, pictures: true);

    private (torch.Tensor Batch, IReadOnlyList<RgbImage> Pictures) Preprocess(IReadOnlyList<RgbImage> images, bool pictures)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.Count == 0)
        {
            throw new ArgumentException("Give at least one image.", nameof(images));
        }

        if (Mean.Count != 3 || Std.Count != 3 || Std.Any(s => !(s > 0) || float.IsInfinity(s)) || Mean.Any(m => !float.IsFinite(m)))
        {
            throw new CamImageException("Mean and Std need three finite values each (R, G, B), and every Std must be positive.");
        }

        using var scope = torch.NewDisposeScope();
        var prepared = images.Select(ResizeAndCrop).ToList();
        var sizes = prepared.Select(t => (t.shape[1], t.shape[2])).Distinct().ToList();
        if (sizes.Count > 1)
        {
            throw new CamImageException(
                $"The images have different sizes after preprocessing ({string.Join(", ", sizes.Select(s => $"{s.Item2}×{s.Item1}"))}): " +
                "set CropTo so that every image ends the same size, or explain them one by one.");
        }

        var mean = torch.tensor(Mean.ToArray()).reshape(1, 3, 1, 1);
        var std = torch.tensor(Std.ToArray()).reshape(1, 3, 1, 1);
        RgbImage[] seen = pictures ? [.. prepared.Select(RgbImage.FromTensor)] : [];
        return (((torch.stack(prepared) - mean) / std).MoveToOuterDisposeScope(), seen);
    }

    /// <summary>Scales to [0, 1], resizes and crops: a 3×H×W tensor in the caller's dispose scope.</summary>
    private torch.Tensor ResizeAndCrop(RgbImage image)
    {
        var x = image.ToTensor();
        if (ResizeTo is { } size)
        {
            var (width, height) = ResizedSize(image.Width, image.Height, size);
            if (width != image.Width || height != image.Height)
            {
                x = torch.nn.functional.interpolate(x.unsqueeze(0), [height, width], mode: torch.InterpolationMode.Bilinear, align_corners: false, antialias: true)
                    .squeeze(0);
            }
        }

        if (CropTo is { } crop)
        {
            var (h, w) = ((int)x.shape[1], (int)x.shape[2]);
            if (crop > h || crop > w)
            {
                throw new CamImageException($"Cannot crop {crop}×{crop} from a {w}×{h} image: make ResizeTo at least CropTo.");
            }

            var (left, top) = CropOffset(w, h, crop);
            x = x.narrow(1, top, crop).narrow(2, left, crop);
        }

        return x;
    }
}
