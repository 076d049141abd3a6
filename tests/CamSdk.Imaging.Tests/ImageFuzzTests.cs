using CamSdk.Imaging;
using CamSdk.Tests.Support;
using SkiaSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace CamSdk.Tests;

/// <summary>The standing seeded fuzz of the image decoder (<see cref="Fuzzer"/>): every mutated PNG, JPEG, BMP or WebP decodes or is a CamImageException.</summary>
public sealed class ImageFuzzTests(ITestOutputHelper output) : IDisposable
{
    private readonly TemporaryFolder _folder = new("camsdk-fuzz-");
    private readonly Fuzzer _fuzzer = new(output);

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void MutatedImagesDecodeOrAreRefused()
    {
        var pixels = new byte[24 * 16 * 3];
        new Random(5).NextBytes(pixels);
        (string, byte[])[] seeds =
        [
            ("png", ImageFiles.Encode(24, 16, pixels, SKEncodedImageFormat.Png)),
            ("jpeg", ImageFiles.Encode(24, 16, pixels, SKEncodedImageFormat.Jpeg, 90)),
            ("bmp", ImageFiles.Bmp(24, 16, pixels)),
            ("webp", ImageFiles.Encode(24, 16, pixels, SKEncodedImageFormat.Webp, 90)),
        ];
        var (loaded, refused) = _fuzzer.Fuzz(seeds, 1001, (bytes, name) =>
        {
            var image = RgbImage.Decode(bytes, name, maxPixels: 1 << 20);
            using var batch = ImagePreprocessor.ImageNet.ToTensor(image);
            Assert.Equal(new long[] { 1, 3, 224, 224 }, batch.shape);
        });
        Assert.Equal(Fuzzer.Mutations, loaded + refused);
        Assert.True(refused > 0 && loaded > 0, $"{loaded} loaded, {refused} refused: the mutations should do both");
    }
}
