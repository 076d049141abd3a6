using System.Text.Json;
using CamSdk.Shapes;
using CamSdk.Models;
using CamSdk.Tests.Support;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace CamSdk.Tests;

/// <summary><c>camsdk sanity</c> and <c>camsdk faithfulness</c> on a zoo architecture with the user's weights and images.</summary>
[Trait("Speed", "Slow")]
public sealed class CheckCommandTests() : CommandLineTests("camsdk-checks-")
{
    /// <summary>ResNet-18 with six classes, saved as torch.save would, and three held-out shapes as PNG files.</summary>
    private (string Weights, string Images) Write()
    {
        var weights = SavedResNets.ResNet18(seed: 3, classes: 6);
        var folder = Directory.CreateDirectory(PathOf("images")).FullName;
        var data = new SyntheticShapes(2017, 64);
        for (var i = 0; i < 3; i++)
        {
            data.SingleObject(SyntheticShapes.HeldOutStart + i).Image.SavePng(Path.Combine(folder, $"shape{i}.png"));
        }

        return (weights, folder);
    }

    [Fact]
    public void SanityRandomisesTheBlocksAndWritesTheTablePlotsAndMaps()
    {
        var (weights, images) = Write();
        var output = PathOf("sanity");
        var exit = Run("sanity", "--arch", "resnet18", "--weights", weights, "--image", images, "--images", "2", "--resize", "64", "--crop", "64", "--blocks", "--method", "gradcam", "--out", output);

        Assert.True(exit == 0, Output.ToString());
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "sanity.json")));
        var model = json.RootElement.GetProperty("model_randomization");
        Assert.Equal(2, model.GetProperty("images").GetInt32());
        Assert.Equal(["fc", "layer4", "layer3", "layer2", "layer1", "bn1", "conv1"], model.GetProperty("layers_top_down").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(7, model.GetProperty("cascading").GetArrayLength());
        Assert.Equal(["gradcam", "guided-backprop", "guided-gradcam"], model.GetProperty("verdicts").EnumerateObject().Select(p => p.Name));
        var csv = File.ReadAllLines(Path.Combine(output, "sanity.csv"));
        Assert.Equal("test,depth,layer,method,spearman_abs,spearman,ssim,hog", csv[0]);
        Assert.Equal(1 + (2 * 7 * 3), csv.Length);
        Assert.True(File.Exists(Path.Combine(output, "sanity-cascading.png")));
        Assert.True(File.Exists(Path.Combine(output, "maps", "image-0", "gradcam", "00-original.png")));
        Assert.True(File.Exists(Path.Combine(output, "maps", "image-1", "guided-backprop", "cascading-07-conv1.png")));
        Assert.Contains("Sanity checks of resnet18", Output.ToString());
    }

    [Fact]
    public void FaithfulnessWritesTheFiguresAndCurves()
    {
        var (weights, images) = Write();
        var output = PathOf("faithfulness");
        var exit = Run("faithfulness", "--arch", "resnet18", "--weights", weights, "--image", images, "--images", "2", "--resize", "64", "--crop", "64", "--method", "gradcam,eigencam", "--step", "512", "--score", "logit", "--out", output);

        Assert.True(exit == 0, Output.ToString());
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "faithfulness.json")));
        Assert.Equal(2, json.RootElement.GetProperty("images").GetInt32());
        var methods = json.RootElement.GetProperty("methods");
        Assert.Equal(["gradcam", "eigencam", "guided-backprop", "guided-gradcam"], methods.EnumerateObject().Select(p => p.Name));
        var gradcam = methods.GetProperty("gradcam");
        Assert.Equal(9, gradcam.GetProperty("deletion_curve").GetArrayLength()); // 4096 pixels in steps of 512: 8 steps and the start
        Assert.Equal(9, gradcam.GetProperty("road_most_relevant_first").GetArrayLength());
        foreach (var file in new[] { "faithfulness.csv", "deletion.png", "insertion.png", "road-most-relevant-first.png", "road-least-relevant-first.png" })
        {
            Assert.True(File.Exists(Path.Combine(output, file)), file);
        }
    }

    [Fact]
    public void ExplainsWhatIsMissingOrMalformed()
    {
        Assert.Equal(2, Run("sanity", "--arch", "resnet18", "--image", "x.png"));
        Assert.Contains("needs --weights", Output.ToString());

        var (weights, _) = Write();
        Assert.Equal(2, Run("faithfulness", "--arch", "resnet18", "--weights", weights));
        Assert.Contains("--image", Output.ToString());

        Assert.Equal(2, Run("faithfulness", "--weights", weights));
        Assert.Contains("go with --arch", Output.ToString());

        Assert.Equal(2, Run("faithfulness", "--arch", "resnet18", "--weights", weights, "--image", PathOf("images"), "--deletion-baseline", "grey"));
        Assert.Contains("blur, zero or mean", Output.ToString());

        Assert.Equal(2, Run("sanity", "--arch", "resnet18", "--weights", weights, "--image", PathOf("images"), "--images", "0"));
        Assert.Contains("--images must be at least 1", Output.ToString());
    }
}
