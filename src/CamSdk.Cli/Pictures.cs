using System.IO;
using CamSdk.Imaging;
using CamSdk.Localization;
using TorchSharp;

namespace CamSdk.Cli;

/// <summary>Writes the pictures of one explained image.</summary>
internal static class Pictures
{
    internal static BoxSummary? Box(float[,] heatmap) =>
        CamLocalizer.Localize(heatmap) is { } box ? new BoxSummary(box.Left, box.Top, box.Right, box.Bottom) : null;

    internal static string SaveHeatmap(string folder, string name, float[,] heatmap, Colormap colormap) =>
        Save(folder, name + ".heatmap.png", CamPictures.Heatmap(heatmap, colormap));

    internal static string SaveOverlay(string folder, string name, RgbImage picture, float[,] heatmap, BoxSummary? box, string caption, Colormap colormap)
    {
        var overlay = CamPictures.Overlay(picture, heatmap, colormap: colormap);
        if (box is not null)
        {
            overlay = CamPictures.DrawBox(overlay, new BoundingBox(box.Left, box.Top, box.Right, box.Bottom), caption);
        }

        return Save(folder, name + ".overlay.png", overlay);
    }

    internal static string SaveGuided(string folder, string name, torch.Tensor gradients) =>
        Save(folder, name + ".png", CamPictures.Gradients(gradients));

    private static string Save(string folder, string file, RgbImage image)
    {
        var path = Path.Combine(folder, file);
        image.SavePng(path);
        return path;
    }
}
