using CamSdk.Imaging;
using CamSdk.Localization;
using CamSdk.Tests.Support;
using static TorchSharp.torch;

namespace CamSdk.Tests;

public sealed class PicturesTests
{
    [Fact]
    public void JetIsOpenCvsColormapJet()
    {
        // Reference: cv2.applyColorMap over 0…255 (tests/CamSdk.Imaging.Tests/TestData/opencv-jet.txt).
        var reference = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "TestData", "opencv-jet.txt"))
            .Where(l => !l.StartsWith('#')).Select(l => l.Split(' ').Select(byte.Parse).ToArray()).ToArray();
        Assert.Equal(256, reference.Length);
        for (int v = 0; v < 256; v++)
        {
            var (r, g, b) = Colormap.Jet[(byte)v];
            Assert.True(reference[v].SequenceEqual(new[] { r, g, b }), $"jet[{v}] = ({r}, {g}, {b}), OpenCV: ({string.Join(", ", reference[v])})");
        }

        // Its shape: dark blue to dark red, each channel rising then falling by 4 levels a step.
        Assert.Equal(((byte)0, (byte)0, (byte)128), Colormap.Jet[0]);
        Assert.Equal(((byte)128, (byte)0, (byte)0), Colormap.Jet[255]);
        for (int v = 1; v < 32; v++)
        {
            Assert.Equal(4, Colormap.Jet[(byte)v].B - Colormap.Jet[(byte)(v - 1)].B);
        }
    }

    [Fact]
    public void ViridisAndTurboEndsAreOpenCvs()
    {
        Assert.Equal(((byte)68, (byte)1, (byte)84), Colormap.Viridis[0]);
        Assert.Equal(((byte)48, (byte)18, (byte)59), Colormap.Turbo[0]);
        Assert.Same(Colormap.Turbo, Colormap.ByName["TURBO"]);
    }

    [Fact]
    public void OverlayEqualsShowCamOnImage()
    {
        // show_cam_on_image(img, mask, use_rgb=True) run with OpenCV 4.6 and NumPy on this 2×2 image and mask.
        // show_cam_on_image with OpenCV 4.6 and NumPy, on the float image of exactly these 8-bit values (/255) and this mask.
        var image = new RgbImage(2, 2, [0, 128, 255, 51, 102, 153, 255, 255, 255, 26, 0, 230]);
        var mask = new float[,] { { 0f, 0.25f }, { 0.5f, 1f } };
        var expected = new byte[] { 0, 64, 191, 25, 113, 204, 190, 255, 192, 77, 0, 115 };
        Assert.Equal(expected, CamPictures.Overlay(image, mask).Pixels);

        // With an image whose values are exact in 8 bits, the result is bit-exact by hand: jet(0) = (0,0,128), jet(255) = (128,0,0).
        var black = new RgbImage(2, 1, new byte[6]);
        var exact = CamPictures.Overlay(black, new float[,] { { 0f, 1f } });
        // cam = 0.5·jet/255: max = 0.5·128/255; cam/max = 1 for the 128 channels → 255.
        Assert.Equal(new byte[] { 0, 0, 255, 255, 0, 0 }, exact.Pixels);
    }

    [Fact]
    public void GradientsAreShownAsDeprocessImageShowsThem()
    {
        // deprocess_image on this 2×2×3 gradient with NumPy: [136, 103, 158, 125, 130, 114, 147, 147, 92, 169, 80, 125].
        var hwc = new float[] { 0.1f, -0.2f, 0.3f, 0f, 0.05f, -0.1f, 0.2f, 0.2f, -0.3f, 0.4f, -0.4f, 0f };
        using var chw = tensor(hwc).reshape(2, 2, 3).permute(2, 0, 1);
        var picture = CamPictures.Gradients(chw);
        var expected = new byte[] { 136, 103, 158, 125, 130, 114, 147, 147, 92, 169, 80, 125 };
        Assert.Equal(expected, picture.Pixels);
    }

    [Fact]
    public void HeatmapTruncatesAsNumpyDoes()
    {
        // uint8(255 · 0.999) = 254, not 255.
        var heat = CamPictures.Heatmap(new float[,] { { 0.999f, 1f } });
        Assert.Equal(Colormap.Jet[254], heat[0, 0]);
        Assert.Equal(Colormap.Jet[255], heat[1, 0]);
    }

    [Fact]
    public void BoxIsDrawnOnItsEdgesOnly()
    {
        var image = new RgbImage(20, 20, new byte[20 * 20 * 3]);
        var drawn = CamPictures.DrawBox(image, new BoundingBox(4, 5, 14, 15));
        Assert.Equal(((byte)0, (byte)255, (byte)0), drawn[4, 10]);
        Assert.Equal(((byte)0, (byte)255, (byte)0), drawn[14, 10]);
        Assert.Equal(((byte)0, (byte)255, (byte)0), drawn[9, 5]);
        Assert.Equal(((byte)0, (byte)0, (byte)0), drawn[9, 10]);
        Assert.Equal(((byte)0, (byte)0, (byte)0), drawn[2, 2]);
        var captioned = CamPictures.DrawBox(image, new BoundingBox(4, 5, 14, 15), "cat");
        Assert.True(captioned.Pixels.Count(p => p == 255) > drawn.Pixels.Count(p => p == 255), "the caption adds its background");

        // The caption's letters are drawn in black on that green background, with CamSdk's own font on any system.
        // A white image, so that only the letters can be dark there.
        var labelled = CamPictures.DrawBox(new RgbImage(120, 120, [.. Enumerable.Repeat((byte)255, 120 * 120 * 3)]), new BoundingBox(20, 40, 100, 100), "Square");
        var letters = 0;
        for (var y = 30; y < 40; y++)
        {
            for (var x = 20; x < 60; x++)
            {
                var (r, g, b) = labelled[x, y];
                letters += r < 100 && g < 100 && b < 100 ? 1 : 0;
            }
        }

        Assert.True(letters > 20, $"The caption's letters were not drawn ({letters} dark pixels on its label).");
    }

    [Fact]
    public void ResultsRenderAtTheInputSize()
    {
        manual_seed(89);
        var model = new SmallCnn();
        using var input = randn(1, 3, 16, 16);
        using var result = new CamExplainer(model, model.features).ExplainGuided(input);
        var shown = new RgbImage(16, 16, new byte[16 * 16 * 3]);
        var (overlay, heatmap, guided) = (result.Cam.Overlay(shown), result.Cam.ToHeatmapImage(), result.ToImage());
        Assert.Equal([(16, 16), (16, 16), (16, 16)], new[] { (overlay.Width, overlay.Height), (heatmap.Width, heatmap.Height), (guided.Width, guided.Height) });
        Assert.Equal(Localization.CamLocalizer.Localize(result.Cam.HeatmapToArray()), result.Cam.Localize());
        Assert.NotNull(result.Cam.Localize());
    }
}
