using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Text;
using SkiaSharp;

namespace CamSdk.Tests.Support;

/// <summary>Writes test images byte by byte (formats SkiaSharp cannot encode, and EXIF orientations).</summary>
internal static class ImageFiles
{
    /// <summary>Encodes RGB pixels with SkiaSharp (PNG, JPEG or WebP).</summary>
    internal static byte[] Encode(int width, int height, byte[] rgb, SKEncodedImageFormat format, int quality = 100)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        var rgba = new byte[width * height * 4];
        for (int p = 0, q = 0; q < rgb.Length; p += 4, q += 3)
        {
            (rgba[p], rgba[p + 1], rgba[p + 2], rgba[p + 3]) = (rgb[q], rgb[q + 1], rgb[q + 2], 255);
        }

        Marshal.Copy(rgba, 0, bitmap.GetPixels(), rgba.Length);
        using var image = SKImage.FromBitmap(bitmap);
        return image.Encode(format, quality).ToArray();
    }

    /// <summary>A 24-bit uncompressed BMP (bottom-up rows, BGR, padded to 4 bytes).</summary>
    internal static byte[] Bmp(int width, int height, byte[] rgb)
    {
        var stride = ((width * 3) + 3) / 4 * 4;
        var data = new byte[54 + (stride * height)];
        var writer = new BinaryWriter(new MemoryStream(data));
        writer.Write((byte)'B');
        writer.Write((byte)'M');
        writer.Write(data.Length);
        writer.Write(0);
        writer.Write(54);
        writer.Write(40);
        writer.Write(width);
        writer.Write(height);
        writer.Write((short)1);
        writer.Write((short)24);
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                var source = ((y * width) + x) * 3;
                var target = 54 + ((height - 1 - y) * stride) + (x * 3);
                (data[target], data[target + 1], data[target + 2]) = (rgb[source + 2], rgb[source + 1], rgb[source]);
            }
        }

        return data;
    }

    /// <summary>A PNG with the given colour type (0 gray, 2 RGB, 6 RGBA) and bit depth (8 or 16), samples big-endian.</summary>
    internal static byte[] Png(int width, int height, int colorType, int bitDepth, ushort[] samples)
    {
        var channels = colorType switch { 0 => 1, 2 => 3, _ => 4 };
        var bytesPerSample = bitDepth / 8;
        var raw = new MemoryStream();
        for (int y = 0; y < height; y++)
        {
            raw.WriteByte(0); // filter: none
            for (int i = 0; i < width * channels; i++)
            {
                var value = samples[(y * width * channels) + i];
                if (bytesPerSample == 2)
                {
                    raw.WriteByte((byte)(value >> 8));
                }

                raw.WriteByte((byte)value);
            }
        }

        var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            zlib.Write(raw.ToArray());
        }

        var png = new MemoryStream();
        png.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        WriteBigEndian(header, 0, (uint)width);
        WriteBigEndian(header, 4, (uint)height);
        (header[8], header[9]) = ((byte)bitDepth, (byte)colorType);
        Chunk(png, "IHDR", header);
        Chunk(png, "IDAT", compressed.ToArray());
        Chunk(png, "IEND", []);
        return png.ToArray();
    }

    /// <summary>
    /// A small PNG whose header declares <paramref name="width"/> × <paramref name="height"/> RGB pixels but whose data holds
    /// one row: what a decompression bomb's header looks like, without the gigabytes.
    /// </summary>
    internal static byte[] PngDeclaring(uint width, uint height)
    {
        var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            zlib.Write(new byte[1 + (Math.Min(width, 4096) * 3)]);
        }

        var png = new MemoryStream();
        png.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        WriteBigEndian(header, 0, width);
        WriteBigEndian(header, 4, height);
        (header[8], header[9]) = (8, 2);
        Chunk(png, "IHDR", header);
        Chunk(png, "IDAT", compressed.ToArray());
        Chunk(png, "IEND", []);
        return png.ToArray();
    }

    /// <summary>Inserts an EXIF APP1 segment with an Orientation tag right after a JPEG's start-of-image marker.</summary>
    internal static byte[] WithExifOrientation(byte[] jpeg, ushort orientation)
    {
        var tiff = new byte[] { (byte)'M', (byte)'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, (byte)(orientation >> 8), (byte)orientation, 0, 0, 0, 0, 0, 0 };
        var payload = Encoding.ASCII.GetBytes("Exif\0\0").Concat(tiff).ToArray();
        var length = payload.Length + 2;
        var segment = new byte[] { 0xFF, 0xE1, (byte)(length >> 8), (byte)length }.Concat(payload);
        return jpeg.Take(2).Concat(segment).Concat(jpeg.Skip(2)).ToArray();
    }

    private static void Chunk(Stream png, string type, byte[] data)
    {
        var length = new byte[4];
        WriteBigEndian(length, 0, (uint)data.Length);
        png.Write(length);
        var typed = Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        png.Write(typed);
        var crc = new byte[4];
        WriteBigEndian(crc, 0, System.IO.Hashing.Crc32.HashToUInt32(typed));
        png.Write(crc);
    }

    private static void WriteBigEndian(byte[] buffer, int offset, uint value) =>
        (buffer[offset], buffer[offset + 1], buffer[offset + 2], buffer[offset + 3]) = ((byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value);
}
