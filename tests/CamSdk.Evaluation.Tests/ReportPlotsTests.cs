using CamSdk.Evaluation;
using CamSdk.Imaging;

namespace CamSdk.Tests;

/// <summary>The report's plots draw their text: ScottPlot draws none until a font file is registered.</summary>
public sealed class ReportPlotsTests
{
    [Fact]
    public void PlotsHaveATitleAndTickLabels()
    {
        var png = ReportPlots.GroupedBars("A title that must be drawn", "share", ["gradcam", "scorecam"], [("first", [0.2, 0.4]), ("second", [0.6, 0.8])], 600, 300);
        var image = RgbImage.Decode(png, "plot.png");
        Assert.Equal((600, 300), (image.Width, image.Height));

        // The title is dark text centred in the top band; without a font that band is white.
        Assert.True(DarkPixels(image, 150, 0, 450, 30) > 100, "The plot's title was not drawn: no font is registered.");
        // The methods' names sit left of the plot area.
        Assert.True(DarkPixels(image, 0, 40, 90, 240) > 100, "The plot's tick labels were not drawn.");
    }

    private static int DarkPixels(RgbImage image, int left, int top, int right, int bottom)
    {
        var count = 0;
        for (var y = top; y < bottom; y++)
        {
            for (var x = left; x < right; x++)
            {
                var (r, g, b) = image[x, y];
                count += r + g + b < 200 ? 1 : 0;
            }
        }

        return count;
    }
}
