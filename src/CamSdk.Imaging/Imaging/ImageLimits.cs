using System;
using System.Threading;

namespace CamSdk.Imaging;

/// <summary>
/// Limits that keep a small, hostile file from costing gigabytes: a decompression-bomb cap on the pixels an image may
/// declare (checked from its header, before anything is decoded), and a cap on the pixels a resize may produce
/// (a 1×4000 image resized to a shorter side of 256 would be 256×1,024,000). Both are process-wide, like Pillow's
/// <c>Image.MAX_IMAGE_PIXELS</c>; raise them only for files you trust.
/// </summary>
public static class ImageLimits
{
    /// <summary>
    /// The default <see cref="MaxPixels"/>: 178,956,970, the size at which Pillow refuses an image as a decompression
    /// bomb (twice its <c>MAX_IMAGE_PIXELS</c> of 89,478,485), about 13,377 × 13,377.
    /// </summary>
    public const long DefaultMaxPixels = 178_956_970;

    /// <summary>The default <see cref="MaxResizedPixels"/>: 4096 × 4096 (16,777,216).</summary>
    public const long DefaultMaxResizedPixels = 4096L * 4096;

    private static long maxPixels = DefaultMaxPixels;
    private static long maxResizedPixels = DefaultMaxResizedPixels;

    /// <summary>
    /// The most pixels (width × height, as the file's header declares them) an image may have to be decoded; larger
    /// images are refused with a <see cref="CamImageException"/> before any pixel is decoded.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is below 1, or above what one .NET array of RGBA pixels can hold.</exception>
    public static long MaxPixels
    {
        get => Interlocked.Read(ref maxPixels);
        set => Set(ref maxPixels, value, nameof(MaxPixels));
    }

    /// <summary>
    /// The most pixels an <see cref="ImagePreprocessor"/> resize may produce; a resize beyond it (an extreme aspect
    /// ratio, or a very large <see cref="ImagePreprocessor.ResizeTo"/>) is refused with a <see cref="CamImageException"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is below 1, or above what one .NET array can hold.</exception>
    public static long MaxResizedPixels
    {
        get => Interlocked.Read(ref maxResizedPixels);
        set => Set(ref maxResizedPixels, value, nameof(MaxResizedPixels));
    }

    /// <summary>Sets a limit: at least one pixel, and no more than one .NET array of RGBA pixels can hold.</summary>
    private static void Set(ref long limit, long value, string name)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(value, 1, name);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(value, Array.MaxLength / 4, name);
        Interlocked.Exchange(ref limit, value);
    }

    /// <summary>Throws unless an image of this size may be decoded.</summary>
    internal static void CheckDecode(long width, long height, string name, long? maxPixels = null)
    {
        if (width < 1 || height < 1)
        {
            throw new CamImageException($"'{name}' declares an empty image ({width}×{height}): the file is corrupt.");
        }

        var pixels = width * height; // both below 2^31: no overflow in 64 bits
        var limit = maxPixels ?? MaxPixels;
        if (pixels > limit)
        {
            throw new CamImageException(
                $"'{name}' declares {width}×{height} = {pixels:N0} pixels, more than the limit of {limit:N0} (a guard against decompression bombs). " +
                $"If you trust the file, raise {nameof(ImageLimits)}.{nameof(MaxPixels)}, or scale the image down first.");
        }
    }

    /// <summary>Throws unless a resize to this size may be done.</summary>
    internal static void CheckResize(int fromWidth, int fromHeight, long width, long height, long? maxPixels = null)
    {
        var limit = maxPixels ?? MaxResizedPixels;
        if (width > int.MaxValue || height > int.MaxValue || width * height > limit)
        {
            throw new CamImageException(
                $"Resizing the {fromWidth}×{fromHeight} image to {width}×{height} would make {width * height:N0} pixels, more than the limit of {limit:N0}: " +
                $"its aspect ratio is too extreme for this ResizeTo. Crop the image to its subject first, or raise {nameof(ImageLimits)}.{nameof(MaxResizedPixels)}.");
        }
    }
}
