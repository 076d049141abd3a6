using CamSdk.Imaging;
using CamSdk.Tests.Support;
using SkiaSharp;
using static TorchSharp.torch;

namespace CamSdk.Tests;

public sealed class ImagingTests : IDisposable
{
    // A 3×2 image: red, green, blue / white, black, (10, 200, 90).
    private static readonly byte[] Known = [255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255, 0, 0, 0, 10, 200, 90];

    private readonly TemporaryFolder _folder = new("camsdk-images-");

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void PngAndBmpRoundTripExactly()
    {
        foreach (var (name, data) in new[] { ("known.png", ImageFiles.Encode(3, 2, Known, SKEncodedImageFormat.Png)), ("known.bmp", ImageFiles.Bmp(3, 2, Known)) })
        {
            var image = RgbImage.Load(_folder.Write(name, data));
            Assert.Equal((3, 2), (image.Width, image.Height));
            Assert.Equal(Known, image.Pixels);
        }

        var saved = _folder.PathOf("saved.png");
        new RgbImage(3, 2, Known).SavePng(saved);
        Assert.Equal(Known, RgbImage.Load(saved).Pixels);
    }

    [Theory]
    [InlineData(SKEncodedImageFormat.Jpeg, "flat.jpg")]
    [InlineData(SKEncodedImageFormat.Webp, "flat.webp")]
    public void LossyFormatsRoundTripFlatColoursClosely(SKEncodedImageFormat format, string name)
    {
        // 16×16 halves of two flat colours: lossy codecs keep flat areas within a few levels.
        var pixels = new byte[16 * 16 * 3];
        for (int i = 0; i < 256; i++)
        {
            var (r, g, b) = i % 16 < 8 ? (200, 40, 90) : (20, 180, 240);
            (pixels[i * 3], pixels[(i * 3) + 1], pixels[(i * 3) + 2]) = ((byte)r, (byte)g, (byte)b);
        }

        var image = RgbImage.Load(_folder.Write(name, ImageFiles.Encode(16, 16, pixels, format, 100)));
        Assert.Equal((16, 16), (image.Width, image.Height));
        Assert.Equal((200, 40, 90), ((int)image[2, 5].R, (int)image[2, 5].G, (int)image[2, 5].B), new Near(8));
        Assert.Equal((20, 180, 240), ((int)image[13, 9].R, (int)image[13, 9].G, (int)image[13, 9].B), new Near(8));
    }

    [Fact]
    public void GrayscaleRgbaAndSixteenBitPngBecomeRgb()
    {
        var gray = RgbImage.Load(_folder.Write("gray.png", ImageFiles.Png(2, 1, colorType: 0, bitDepth: 8, [0, 77])));
        Assert.Equal(new byte[] { 0, 0, 0, 77, 77, 77 }, gray.Pixels);

        // Alpha is dropped: the stored colour of a half-transparent pixel is kept (PIL's convert("RGB")).
        var rgba = RgbImage.Load(_folder.Write("rgba.png", ImageFiles.Png(2, 1, colorType: 6, bitDepth: 8, [10, 20, 30, 255, 200, 100, 50, 128])));
        Assert.Equal(new byte[] { 10, 20, 30, 200, 100, 50 }, rgba.Pixels);

        // 16-bit samples become 8-bit: 0xFFFF → 255, 0x0000 → 0, 0x8080 → 128.
        var deep = RgbImage.Load(_folder.Write("deep.png", ImageFiles.Png(1, 1, colorType: 2, bitDepth: 16, [0xFFFF, 0x0000, 0x8080])));
        Assert.Equal(new byte[] { 255, 0, 128 }, deep.Pixels);
    }

    [Theory]
    [InlineData(6, 2, 3)] // stored 3 wide, 2 high; displayed rotated 90° clockwise
    [InlineData(3, 3, 2)]
    [InlineData(8, 2, 3)]
    public void ExifOrientationIsApplied(ushort orientation, int width, int height)
    {
        // A 3×2 JPEG whose top-left pixel region is bright: large flat blocks survive JPEG.
        var pixels = new byte[24 * 16 * 3];
        for (int y = 0; y < 16; y++)
        {
            for (int x = 0; x < 24; x++)
            {
                var bright = x < 8 && y < 8;
                pixels[((y * 24) + x) * 3] = bright ? (byte)250 : (byte)5;
            }
        }

        var jpeg = ImageFiles.WithExifOrientation(ImageFiles.Encode(24, 16, pixels, SKEncodedImageFormat.Jpeg), orientation);
        var image = RgbImage.Load(_folder.Write($"exif{orientation}.jpg", jpeg));
        Assert.Equal((width * 8, height * 8), (image.Width, image.Height));
        // The header alone gives the same displayed size (what a dataset folder reads without decoding).
        Assert.Equal((width * 8, height * 8), RgbImage.ReadSize(_folder.PathOf($"exif{orientation}.jpg")));
        // Where the stored top-left block is displayed.
        var (bx, by) = orientation switch { 6 => (width * 8 - 4, 4), 3 => (width * 8 - 4, height * 8 - 4), _ => (4, height * 8 - 4) };
        Assert.True(image[bx, by].R > 200, $"the bright block should be displayed at ({bx}, {by})");
        Assert.True(image[image.Width - 1 - bx, image.Height - 1 - by].R < 60);
    }

    [Fact]
    public void TruncatedAndForeignFilesNameTheFile()
    {
        var png = ImageFiles.Encode(16, 16, new byte[16 * 16 * 3], SKEncodedImageFormat.Png);
        var truncated = _folder.Write("truncated.png", png[..(png.Length / 2)]);
        var error = Assert.Throws<CamImageException>(() => RgbImage.Load(truncated));
        Assert.Contains(truncated, error.Message);
        Assert.Contains("truncated", error.Message);

        var text = _folder.Write("notes.jpg", "not an image"u8.ToArray());
        error = Assert.Throws<CamImageException>(() => RgbImage.Load(text));
        Assert.Contains(text, error.Message);
        Assert.Contains("not an image", error.Message);

        error = Assert.Throws<CamImageException>(() => RgbImage.Load(_folder.PathOf("absent.png")));
        Assert.Contains("does not exist", error.Message);
    }

    [Theory]
    [InlineData(640, 480, 256, 341, 256)]
    [InlineData(480, 640, 256, 256, 341)]
    [InlineData(300, 300, 224, 224, 224)]
    [InlineData(1000, 3, 10, 3333, 10)]
    public void ResizeKeepsTheAspectRatioAsTorchvision(int width, int height, int size, int expectedWidth, int expectedHeight) =>
        Assert.Equal((expectedWidth, expectedHeight), ImagePreprocessor.ResizedSize(width, height, size));

    [Theory]
    [InlineData(229, 229, 224, 2, 2)] // (229 − 224) / 2 = 2.5 → 2 (half to even)
    [InlineData(231, 227, 224, 4, 2)] // 3.5 → 4, 1.5 → 2
    [InlineData(256, 341, 224, 16, 58)] // 58.5 → 58
    public void CentreCropOffsetsRoundHalfToEvenAsPython(int width, int height, int crop, int left, int top) =>
        Assert.Equal((left, top), ImagePreprocessor.CropOffset(width, height, crop));

    [Fact]
    public void NormalisationUsesImageNetStatisticsByDefault()
    {
        var image = new RgbImage(2, 2, [.. Enumerable.Repeat(new byte[] { 255, 0, 128 }, 4).SelectMany(p => p)]);
        using var tensor = new ImagePreprocessor().ToTensor(image);
        Assert.Equal(new long[] { 1, 3, 2, 2 }, tensor.shape);
        Assert.Equal((1 - 0.485) / 0.229, tensor[0, 0, 1, 1].item<float>(), 5);
        Assert.Equal((0 - 0.456) / 0.224, tensor[0, 1, 0, 1].item<float>(), 5);
        Assert.Equal((128 / 255.0 - 0.406) / 0.225, tensor[0, 2, 1, 0].item<float>(), 5);
    }

    [Fact]
    public void ResizeAndCropGiveTheTorchvisionGeometryAndValues()
    {
        // 2×2 → Resize(4): bilinear with half-pixel centres (no antialiasing when enlarging), then CenterCrop(2) keeps the middle.
        var image = new RgbImage(2, 2, [0, 0, 0, 60, 60, 60, 120, 120, 120, 180, 180, 180]);
        var preprocessor = new ImagePreprocessor { ResizeTo = 4, CropTo = 2, Mean = [0, 0, 0], Std = [1, 1, 1] };
        using var tensor = preprocessor.ToTensor(image);
        // The full 4×4 row 1 would be [0.5·0+… ]: by hand, rows 1-2, columns 1-2 of the bilinear grid are 60·0.75+… ;
        // value(1,1) = 0.5625·0 + 0.1875·60 + 0.1875·120 + 0.0625·180 = 45; value(1,2) = 75; value(2,1) = 105; value(2,2) = 135.
        var expected = new[] { 45, 75, 105, 135 }.Select(v => v / 255f).ToArray();
        Assert.Equal(expected, tensor[0, 0].flatten().data<float>().ToArray(), new Near(1e-5));
        Assert.Equal((2, 2), (preprocessor.Prepare(image).Width, preprocessor.Prepare(image).Height));

        var error = Assert.Throws<CamImageException>(() => new ImagePreprocessor { CropTo = 5 }.ToTensor(image));
        Assert.Contains("Cannot crop 5×5 from a 2×2 image", error.Message);
    }

    [Fact]
    public void ImagesOfDifferentSizesMakeNoBatchWithoutACrop()
    {
        var error = Assert.Throws<CamImageException>(() => new ImagePreprocessor().ToBatch([new RgbImage(2, 2, new byte[12]), new RgbImage(3, 2, new byte[18])]));
        Assert.Contains("different sizes", error.Message);
        using var batch = ImagePreprocessor.ImageNet.ToBatch([new RgbImage(300, 400, new byte[360_000]), new RgbImage(500, 300, new byte[450_000])]);
        Assert.Equal(new long[] { 2, 3, 224, 224 }, batch.shape);
    }

    /// <summary>Compares numbers within a tolerance (element-wise for tuples of ints and floats).</summary>
    private sealed class Near(double tolerance) : IEqualityComparer<(int, int, int)>, IEqualityComparer<float>
    {
        public bool Equals((int, int, int) a, (int, int, int) b) =>
            Math.Abs(a.Item1 - b.Item1) <= tolerance && Math.Abs(a.Item2 - b.Item2) <= tolerance && Math.Abs(a.Item3 - b.Item3) <= tolerance;

        public int GetHashCode((int, int, int) obj) => 0;

        public bool Equals(float a, float b) => Math.Abs(a - b) <= tolerance;

        public int GetHashCode(float obj) => 0;
    }
}
