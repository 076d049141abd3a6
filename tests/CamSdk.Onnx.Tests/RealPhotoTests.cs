using CamSdk.Imaging;
using CamSdk.Onnx;
using CamSdk.Targets;
using CamSdk.Tests.Support;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace CamSdk.Tests;

/// <summary>
/// Real pretrained weights on real photographs: ML.NET's ImageNet-trained ResNet-18 featurizer (ONNX, no class head,
/// 512×1×1 out) imported, checked against ONNX Runtime, and explained with the similarity-to-concept target on
/// scikit-image's public-domain and CC0 photographs (TestData/photos/SOURCES.md).
/// </summary>
public sealed class RealPhotoTests(ITestOutputHelper output, RealPhotoTests.Featurizer featurizer) : IClassFixture<RealPhotoTests.Featurizer>
{
    private static readonly string Photos = Path.Combine(AppContext.BaseDirectory, "TestData", "photos");

    /// <summary>ML.NET's two models, imported once: its preprocessing (RGB to BGR, minus a mean image) and the ResNet-18.</summary>
    public sealed class Featurizer : IDisposable
    {
        internal static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "DnnImageModels");

        public Featurizer()
        {
            Preprocess = OnnxModel.Load(Path.Combine(Folder, "ResNetPrepOnnx", "ResNetPreprocess.onnx"));
            ResNet = OnnxModel.Load(Path.Combine(Folder, "ResNet18Onnx", "ResNet18.onnx"));
            Model = nn.Sequential(("preprocess", Preprocess), ("resnet", ResNet));
            Model.eval();
        }

        internal OnnxModel Preprocess { get; }

        internal OnnxModel ResNet { get; }

        /// <summary>RGB pixels in [0, 255] in, 512 features out, as ML.NET's pipeline runs them.</summary>
        internal nn.Module<Tensor, Tensor> Model { get; }

        public void Dispose() => Model.Dispose();
    }

    /// <summary>A photograph as ML.NET feeds it: resized to width × height (bilinear), RGB values in [0, 255], 1×3×H×W.</summary>
    private static Tensor Photo(string file, int width = 224, int height = 224, (int X, int Y, int Width, int Height)? crop = null)
    {
        var image = RgbImage.Load(Path.Combine(Photos, file));
        using var scope = NewDisposeScope();
        var pixels = new ImagePreprocessor { Mean = [0f, 0f, 0f], Std = [1f / 255, 1f / 255, 1f / 255] }.ToTensor(image);
        if (crop is { } c)
        {
            pixels = pixels[.., .., TensorIndex.Slice(c.Y, c.Y + c.Height), TensorIndex.Slice(c.X, c.X + c.Width)];
        }

        return nn.functional.interpolate(pixels, [height, width], mode: InterpolationMode.Bilinear, align_corners: false).MoveToOuterDisposeScope();
    }

    [Fact]
    public void TheImportedFeaturizerComputesWhatOnnxRuntimeComputesOnAPhoto()
    {
        using var photo = Photo("chelsea.png");
        using var prepared = featurizer.Preprocess.call(photo);
        var expected = OnnxReference.Run(File.ReadAllBytes(Path.Combine(Featurizer.Folder, "ResNet18Onnx", "ResNet18.onnx")), prepared);
        using var features = featurizer.ResNet.call(prepared);
        Assert.Equal([1, 512, 1, 1], features.shape);
        var difference = OnnxReference.RelativeDifference(expected, features.data<float>().ToArray());
        output.WriteLine($"ResNet18.onnx on chelsea.png: {difference:E2} of the features' scale from ONNX Runtime's");
        Assert.True(difference < 1e-4, $"{difference:E2}");
        Assert.Equal("ReLU393", featurizer.ResNet.DefaultLayerInfo!.Name);
    }

    /// <summary>
    /// Four photographs in one 2×2 picture; the concept is one of them alone. The similarity map of the picture must be
    /// largest in that photograph's quadrant.
    /// </summary>
    [Theory]
    [InlineData("chelsea.png", 0)]
    [InlineData("coffee.png", 1)]
    [InlineData("astronaut.png", 2)]
    [InlineData("rocket.jpg", 3)]
    public void AnotherPhotosEmbeddingLightsUpItsQuadrant(string concept, int quadrant)
    {
        string[] files = ["chelsea.png", "coffee.png", "astronaut.png", "rocket.jpg"];
        using var scope = NewDisposeScope();
        var tiles = files.Select(f => Photo(f, 112, 112)).ToArray();
        var picture = cat([cat([tiles[0], tiles[1]], 3), cat([tiles[2], tiles[3]], 3)], 2);
        var peak = PeakOf(picture, Photo(concept));
        var (row, column) = (peak.Y / 112, peak.X / 112);
        output.WriteLine($"{concept}: peak at ({peak.X}, {peak.Y}), quadrant {(row * 2) + column}");
        Assert.Equal(quadrant, (row * 2) + column);
    }

    /// <summary>
    /// A crop as the concept: the map of the whole photograph for it peaks inside the object's hand-drawn box (the
    /// crop). One case tried does not hold and is left out: the cat's eyes in chelsea.png peak at the nose (290, 193),
    /// 23 pixels below the eyes' box, at this map's 7×7 resolution.
    /// </summary>
    [Theory]
    [InlineData("coffee.png", 170, 15, 250, 200, "the cup")]
    [InlineData("astronaut.png", 350, 0, 120, 290, "the shuttle model")]
    [InlineData("astronaut.png", 180, 60, 95, 110, "the astronaut's face")]
    [InlineData("astronaut.png", 275, 345, 225, 167, "the helmet")]
    [InlineData("rocket.jpg", 295, 120, 55, 290, "the rocket")]
    public void ACropsEmbeddingLightsUpTheObject(string file, int x, int y, int width, int height, string what)
    {
        var image = RgbImage.Load(Path.Combine(Photos, file));
        using var scope = NewDisposeScope();
        var peak = PeakOf(Photo(file), Photo(file, crop: (x, y, width, height)));
        // The peak in the photograph's own pixels.
        var (px, py) = (peak.X * image.Width / 224.0, peak.Y * image.Height / 224.0);
        output.WriteLine($"{file}, {what}: peak at ({px:F0}, {py:F0}) in a {image.Width}×{image.Height} photograph; box ({x}, {y}, {width}, {height})");
        Assert.InRange(px, x, x + width);
        Assert.InRange(py, y, y + height);
    }

    private Tensor Embed(Tensor picture)
    {
        using var noGrad = no_grad();
        return featurizer.Model.call(picture);
    }

    private (int X, int Y) PeakOf(Tensor picture, Tensor conceptPicture)
    {
        using var concept = Embed(conceptPicture);
        using var target = new SimilarityToConceptTarget(concept);
        using var result = new CamExplainer(featurizer.Model, featurizer.ResNet.DefaultLayer).Explain(picture, target);
        var heatmap = result.HeatmapToArray();
        Assert.True(heatmap.Cast<float>().Max() > 0, "The map is flat.");
        var (bestX, bestY, best) = (0, 0, float.MinValue);
        for (var y = 0; y < heatmap.GetLength(0); y++)
        {
            for (var x = 0; x < heatmap.GetLength(1); x++)
            {
                if (heatmap[y, x] > best)
                {
                    (bestX, bestY, best) = (x, y, heatmap[y, x]);
                }
            }
        }

        return (bestX, bestY);
    }
}
