using System;
using System.IO;
using System.Runtime.InteropServices;
using CamSdk.Internal;
using SkiaSharp;
using TorchSharp;

namespace CamSdk.Imaging;

/// <summary>
/// An 8-bit RGB image in memory (row-major, 3 bytes a pixel): what CamSdk loads, draws on and saves.
/// </summary>
public sealed class RgbImage
{
    /// <summary>Wraps RGB pixels.</summary>
    /// <param name="width">The width in pixels.</param>
    /// <param name="height">The height in pixels.</param>
    /// <param name="pixels">Width × height × 3 bytes, row by row, R, G, B.</param>
    public RgbImage(int width, int height, byte[] pixels)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        if (pixels.Length != (long)width * height * 3)
        {
            throw new ArgumentException($"A {width}×{height} RGB image needs {(long)width * height * 3} bytes, not {pixels.Length}.", nameof(pixels));
        }

        Width = width;
        Height = height;
        Pixels = pixels;
    }

    /// <summary>The width in pixels.</summary>
    public int Width { get; }

    /// <summary>The height in pixels.</summary>
    public int Height { get; }

    /// <summary>The pixels, row by row, R, G, B.</summary>
    public byte[] Pixels { get; }

    /// <summary>The colour of one pixel.</summary>
    /// <param name="x">The column.</param>
    /// <param name="y">The row.</param>
    /// <returns>Its red, green and blue values.</returns>
    public (byte R, byte G, byte B) this[int x, int y]
    {
        get
        {
            var i = ((y * Width) + x) * 3;
            return (Pixels[i], Pixels[i + 1], Pixels[i + 2]);
        }
    }

    /// <summary>
    /// Loads a PNG, JPEG, BMP or WebP file (also GIF and others SkiaSharp decodes), turned upright by its EXIF
    /// orientation. Grayscale becomes RGB, 16-bit channels become 8-bit, and alpha is dropped (the stored colour of a
    /// transparent pixel is kept, as PIL's <c>convert("RGB")</c> does).
    /// </summary>
    /// <param name="path">The image file.</param>
    /// <returns>The image.</returns>
    /// <exception cref="CamImageException">
    /// The file is missing, a directory, unreadable, truncated, not an image, or declares more pixels than
    /// <see cref="ImageLimits.MaxPixels"/>; the message names it.
    /// </exception>
    public static RgbImage Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Decode(UserFiles.ReadAllBytes(path, "image", static m => new CamImageException(m)), path);
    }

    /// <summary>
    /// An image file's size as it decodes (after its EXIF orientation), from its header alone: nothing is decoded, so a
    /// dataset's images can be checked without holding their pixels.
    /// </summary>
    /// <exception cref="CamImageException">As <see cref="Load"/>: missing, not an image, or more pixels than the limit.</exception>
    internal static (int Width, int Height) ReadSize(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var file = UserFiles.OpenRead(path, "image", static m => new CamImageException(m));
        var header = new byte[Math.Min(26, file.Length)];
        file.ReadExactly(header);
        file.Position = 0;
        using var codec = Codec(file, header, file.Length, path, ImageLimits.MaxPixels);
        return Transposes(codec.EncodedOrigin) ? (codec.Info.Height, codec.Info.Width) : (codec.Info.Width, codec.Info.Height);
    }

    /// <summary>Decodes an encoded image (PNG, JPEG, BMP, WebP…), as <see cref="Load"/> does.</summary>
    /// <param name="data">The encoded bytes.</param>
    /// <param name="name">A name for messages, such as the file it came from.</param>
    /// <returns>The image.</returns>
    /// <exception cref="CamImageException">The data is not a complete image, or declares more pixels than <see cref="ImageLimits.MaxPixels"/>.</exception>
    public static RgbImage Decode(byte[] data, string name) => Decode(data, name, ImageLimits.MaxPixels);

    /// <summary>Decodes with a pixel limit of its own (the fuzz tests keep it small).</summary>
    internal static RgbImage Decode(byte[] data, string name, long maxPixels)
    {
        ArgumentNullException.ThrowIfNull(data);
        using var stream = new MemoryStream(data, writable: false);
        using var codec = Codec(stream, data, data.Length, name, maxPixels);
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var rgba = new byte[checked((long)info.Width * info.Height * 4)];
        var handle = GCHandle.Alloc(rgba, GCHandleType.Pinned);
        SKCodecResult result;
        try
        {
            result = codec.GetPixels(info, handle.AddrOfPinnedObject(), info.Width * 4, new SKCodecOptions());
        }
        finally
        {
            handle.Free();
        }

        if (result != SKCodecResult.Success)
        {
            var reason = result == SKCodecResult.IncompleteInput ? "the file is truncated" : $"decoding failed ({result})";
            throw new CamImageException($"'{name}' cannot be decoded: {reason}. Check the file, or export it again.");
        }

        var rgb = new byte[checked((long)info.Width * info.Height * 3)];
        for (int p = 0, q = 0; p < rgba.Length; p += 4, q += 3)
        {
            rgb[q] = rgba[p];
            rgb[q + 1] = rgba[p + 1];
            rgb[q + 2] = rgba[p + 2];
        }

        return Orient(new RgbImage(info.Width, info.Height, rgb), codec.EncodedOrigin);
    }

    /// <summary>
    /// A codec for an encoded image, after the checks that must come before SkiaSharp reads it (a BMP's header) and before
    /// anything is allocated for its pixels (the size its header declares: a small file may declare a huge image, and
    /// SkiaSharp's own BytesSize overflows, an OverflowException, from about 23,170² pixels on).
    /// </summary>
    /// <param name="stream">The encoded image, at its start.</param>
    /// <param name="header">Its first bytes (at least 26, or the whole file).</param>
    /// <param name="length">Its length in bytes.</param>
    /// <param name="name">A name for messages.</param>
    /// <param name="maxPixels">The most pixels it may declare.</param>
    private static SKCodec Codec(Stream stream, byte[] header, long length, string name, long maxPixels)
    {
        CheckBmpHeader(header, name, length);
        var codec = SKCodec.Create(stream, out var created)
            ?? throw new CamImageException($"'{name}' is not an image CamSdk can read ({created}): give a PNG, JPEG, BMP or WebP file.");
        try
        {
            ImageLimits.CheckDecode(codec.Info.Width, codec.Info.Height, name, maxPixels);
            return codec;
        }
        catch
        {
            codec.Dispose();
            throw;
        }
    }

    /// <summary>Whether an EXIF orientation turns the image a quarter (its width and height swap).</summary>
    private static bool Transposes(SKEncodedOrigin origin) =>
        origin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;

    /// <summary>
    /// Refuses a BMP whose pixel-data offset lies past the end of the file: SkiaSharp's BMP decoder crashes the process
    /// on one (found by the fuzz tests: <c>bfOffBits</c> = 0xFFFFFFFF).
    /// </summary>
    private static void CheckBmpHeader(byte[] data, string name, long length)
    {
        if (data.Length < 2 || data[0] != (byte)'B' || data[1] != (byte)'M')
        {
            return;
        }

        if (data.Length < 26)
        {
            throw new CamImageException($"'{name}' cannot be decoded: the file is truncated inside its BMP header. Check the file, or export it again.");
        }

        var offset = BitConverter.ToUInt32(data, 10);
        var headerSize = BitConverter.ToUInt32(data, 14);
        if (offset > length || offset < 14 + (ulong)Math.Min(headerSize, 124u) || headerSize < 12)
        {
            throw new CamImageException(
                $"'{name}' is a corrupt BMP: its header puts the pixels at byte {offset:N0} (header size {headerSize}) in a file of {length:N0} bytes. Export the image again.");
        }
    }

    /// <summary>An image from a C×H×W tensor with values in [0, 1] (clamped), rounded to 8 bits; one channel becomes gray.</summary>
    /// <param name="image">A 3×H×W or 1×H×W tensor on any device.</param>
    /// <returns>The image.</returns>
    public static RgbImage FromTensor(torch.Tensor image)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.dim() != 3 || image.shape[0] is not (1 or 3))
        {
            throw new ArgumentException($"Expected a 3×H×W or 1×H×W tensor, got shape [{string.Join(", ", image.shape)}].", nameof(image));
        }

        using var scope = torch.NewDisposeScope();
        var hwc = image.detach().to(torch.float32).clamp(Scalars.Of(0), Scalars.Of(1)).mul(Scalars.Of(255)).round().to(torch.uint8).expand(3, -1, -1).permute(1, 2, 0).contiguous().cpu();
        return new RgbImage((int)image.shape[2], (int)image.shape[1], hwc.data<byte>().ToArray());
    }

    /// <summary>The image as a 3×H×W float32 tensor with values in [0, 1] (torchvision's <c>ToTensor</c>).</summary>
    /// <returns>A new tensor on the CPU.</returns>
    public torch.Tensor ToTensor()
    {
        using var scope = torch.NewDisposeScope();
        var hwc = torch.tensor(Pixels, torch.uint8).reshape(Height, Width, 3);
        return hwc.permute(2, 0, 1).to(torch.float32).div(Scalars.Of(255)).MoveToOuterDisposeScope();
    }

    /// <summary>Encodes the image as PNG.</summary>
    /// <returns>The PNG bytes.</returns>
    public byte[] EncodePng()
    {
        using var bitmap = ToBitmap();
        using var image = SKImage.FromBitmap(bitmap);
        using var png = image.Encode(SKEncodedImageFormat.Png, 100);
        return png.ToArray();
    }

    /// <summary>Saves the image as a PNG file.</summary>
    /// <param name="path">The file to write.</param>
    public void SavePng(string path) => File.WriteAllBytes(path, EncodePng());

    /// <summary>A SkiaSharp bitmap (RGBA, opaque) of the image, for drawing.</summary>
    internal SKBitmap ToBitmap()
    {
        var bitmap = new SKBitmap(new SKImageInfo(Width, Height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        var rgba = new byte[Width * Height * 4];
        for (int p = 0, q = 0; q < Pixels.Length; p += 4, q += 3)
        {
            rgba[p] = Pixels[q];
            rgba[p + 1] = Pixels[q + 1];
            rgba[p + 2] = Pixels[q + 2];
            rgba[p + 3] = 255;
        }

        Marshal.Copy(rgba, 0, bitmap.GetPixels(), rgba.Length);
        return bitmap;
    }

    /// <summary>The RGB pixels of a SkiaSharp RGBA bitmap.</summary>
    internal static RgbImage FromBitmap(SKBitmap bitmap)
    {
        var rgba = new byte[bitmap.Width * bitmap.Height * 4];
        Marshal.Copy(bitmap.GetPixels(), rgba, 0, rgba.Length);
        var rgb = new byte[bitmap.Width * bitmap.Height * 3];
        for (int p = 0, q = 0; q < rgb.Length; p += 4, q += 3)
        {
            rgb[q] = rgba[p];
            rgb[q + 1] = rgba[p + 1];
            rgb[q + 2] = rgba[p + 2];
        }

        return new RgbImage(bitmap.Width, bitmap.Height, rgb);
    }

    /// <summary>Applies an EXIF orientation, so that the pixels come out as a viewer shows them.</summary>
    private static RgbImage Orient(RgbImage image, SKEncodedOrigin origin)
    {
        if (origin is SKEncodedOrigin.TopLeft or 0)
        {
            return image;
        }

        var (w, h) = (image.Width, image.Height);
        var swaps = Transposes(origin);
        var (ow, oh) = swaps ? (h, w) : (w, h);
        var output = new byte[image.Pixels.Length];
        for (int y = 0; y < oh; y++)
        {
            for (int x = 0; x < ow; x++)
            {
                // Where the displayed pixel (x, y) is stored.
                var (sx, sy) = origin switch
                {
                    SKEncodedOrigin.TopRight => (w - 1 - x, y),          // mirrored horizontally
                    SKEncodedOrigin.BottomRight => (w - 1 - x, h - 1 - y), // rotated 180°
                    SKEncodedOrigin.BottomLeft => (x, h - 1 - y),        // mirrored vertically
                    SKEncodedOrigin.LeftTop => (y, x),                   // transposed
                    SKEncodedOrigin.RightTop => (y, h - 1 - x),          // rotate 90° clockwise to display
                    SKEncodedOrigin.RightBottom => (w - 1 - y, h - 1 - x), // transversed
                    _ => (w - 1 - y, x),                                 // LeftBottom: rotate 90° anticlockwise to display
                };
                Array.Copy(image.Pixels, ((sy * w) + sx) * 3, output, ((y * ow) + x) * 3, 3);
            }
        }

        return new RgbImage(ow, oh, output);
    }
}
