using CamSdk.Internal;
using System.Text;
using CamSdk.Imaging;
using CamSdk.Tests.Support;
using static TorchSharp.torch;

namespace CamSdk.Tests;

/// <summary>
/// Hostile images end in a CamImageException that names the file and says what is wrong, before anything large is
/// allocated: decompression bombs, extreme aspect ratios, a BMP that crashed SkiaSharp.
/// </summary>
public sealed class ImageLoaderHardeningTests : IDisposable
{
    private readonly TemporaryFolder _folder = new("camsdk-hostile-");

    public void Dispose() => _folder.Dispose();


    [Theory]
    [InlineData(20000u, 20000u)]
    [InlineData(30000u, 30000u)] // SkiaSharp's own BytesSize overflows here
    [InlineData(65535u, 65535u)]
    [InlineData(100000u, 100000u)]
    public void ImagesDeclaringTooManyPixelsAreRefusedFromTheirHeader(uint width, uint height)
    {
        var path = _folder.Write("bomb.png", ImageFiles.PngDeclaring(width, height));
        var before = GC.GetTotalAllocatedBytes(precise: true);
        var error = Assert.Throws<CamImageException>(() => RgbImage.Load(path));
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        Assert.Contains(path, error.Message);
        Assert.Contains($"{width}×{height}", error.Message);
        Assert.Contains("ImageLimits.MaxPixels", error.Message);
        Assert.True(allocated < 10_000_000, $"{allocated:N0} bytes were allocated before the image was refused");
    }

    [Fact]
    public void ABmpWhosePixelsLiePastItsEndIsRefusedBeforeSkiaSharpSeesIt()
    {
        // Found by the fuzz: SkiaSharp's BMP decoder crashes the process on bfOffBits = 0xFFFFFFFF.
        var bmp = ImageFiles.Bmp(4, 4, new byte[48]);
        RgbImage.Decode(bmp, "fine.bmp");
        BitConverter.GetBytes(uint.MaxValue).CopyTo(bmp, 10);
        var error = Assert.Throws<CamImageException>(() => RgbImage.Decode(bmp, "crafted.bmp"));
        Assert.Contains("'crafted.bmp' is a corrupt BMP: its header puts the pixels at byte 4,294,967,295", error.Message);
        Assert.Throws<CamImageException>(() => RgbImage.Decode(bmp[..20], "short.bmp"));
    }

    [Fact]
    public void ThePixelLimitIsPillowsAndCanBeChecked()
    {
        Assert.Equal(178_956_970, ImageLimits.DefaultMaxPixels);
        Assert.Equal(ImageLimits.DefaultMaxPixels, ImageLimits.MaxPixels);
        ImageLimits.CheckDecode(13377, 13377, "x"); // 178,944,129: just below
        Assert.Throws<CamImageException>(() => ImageLimits.CheckDecode(13378, 13378, "x"));
        var error = Assert.Throws<CamImageException>(() => ImageLimits.CheckDecode(20, 20, "small.png", maxPixels: 399));
        Assert.Contains("400 pixels", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => ImageLimits.MaxPixels = 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => ImageLimits.MaxPixels = long.MaxValue);
        Assert.Equal(ImageLimits.DefaultMaxPixels, ImageLimits.MaxPixels);
    }

    [Theory]
    [InlineData(1, 4000)]
    [InlineData(4000, 1)]
    public void ExtremeAspectRatiosAreRefusedBeforeResizing(int width, int height)
    {
        var image = new RgbImage(width, height, new byte[width * height * 3]);
        var before = GC.GetTotalAllocatedBytes(precise: true);
        var error = Assert.Throws<CamImageException>(() => ImagePreprocessor.ImageNet.ToTensor(image));
        Assert.True(GC.GetTotalAllocatedBytes(precise: true) - before < 10_000_000);
        Assert.Contains("256×1024000", error.Message.Replace("1024000×256", "256×1024000", StringComparison.Ordinal));
        Assert.Contains("aspect ratio", error.Message);
    }

    [Fact]
    public void AModerateAspectRatioStillResizes()
    {
        var image = new RgbImage(10, 400, new byte[10 * 400 * 3]); // 256 × 10,240: 2.6 million pixels
        using var batch = ImagePreprocessor.ImageNet.ToTensor(image);
        Assert.Equal(new long[] { 1, 3, 224, 224 }, batch.shape);
        Assert.Equal((256, 10240), ImagePreprocessor.ResizedSize(10, 400, 256));
    }

    [Fact]
    public void PreprocessingOptionsAreValidated()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ImagePreprocessor { ResizeTo = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new ImagePreprocessor { CropTo = -1 });
        Assert.Throws<ArgumentOutOfRangeException>(() => ImagePreprocessor.ResizedSize(0, 10, 256));
        var nanMean = new ImagePreprocessor { Mean = [float.NaN, 0, 0] };
        Assert.Throws<CamImageException>(() => nanMean.ToTensor(new RgbImage(4, 4, new byte[48])));
    }

    [Fact]
    public void ADirectoryIsNamedAsADirectory() =>
        Assert.Contains("is a directory", Assert.Throws<CamImageException>(() => RgbImage.Load(_folder.Path)).Message);
}
