using CamSdk.Shapes;
using CamSdk.Tests.Support;

namespace CamSdk.Tests;

/// <summary><c>--shard</c> for explain and evaluate, and <c>camsdk merge</c>: the parts of a run make what the whole run makes.</summary>
public sealed class ShardCommandTests() : CommandLineTests("camsdk-shard-")
{
    [Fact]
    public void EvaluateInThreeShardsMergesIntoTheWholeRunsFiles()
    {
        // A zoo ResNet-18 with the shapes' six classes on the built-in shapes: 13 images in batches of 2 (7 batches), 5 pairs.
        var weights = SavedResNets.ResNet18(seed: 11, classes: SyntheticShapes.ClassCount);
        string[] common = ["evaluate", "--arch", "resnet18", "--weights", weights, "--images", "13", "--pairs", "5", "--batch-size", "2", "--method", "gradcam,layercam"];
        Assert.Equal(0, Run([.. common, "--out", PathOf("whole")]));
        for (var k = 0; k < 3; k++)
        {
            Assert.Equal(0, Run([.. common, "--out", PathOf("parts"), "--shard", $"{k}/3"]));
        }

        Assert.Contains("Part 2/3: one-object images 9 to 13 of 13, two-object images 4 to 5 of 5.", Results.ToString());
        var parts = Directory.GetFiles(PathOf("parts"), "part-*-of-3.json").Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(3, parts.Length);
        Assert.Equal(0, Run(["merge", PathOf("merged"), .. parts.Reverse()]));
        foreach (var file in new[] { "metrics.json", "report.html" })
        {
            Assert.Equal(File.ReadAllText(PathOf("whole", file)), File.ReadAllText(PathOf("merged", file)));
        }

        // A missing part, a part twice, and a part of another run are refused by name.
        Assert.Equal(2, Run(["merge", PathOf("bad"), parts[0], parts[2]]));
        Assert.Contains("Parts 1/3 are missing", Errors.ToString());
        Assert.Equal(2, Run(["merge", PathOf("bad"), parts[0], parts[1], parts[1], parts[2]]));
        Assert.Contains("Part 1/3 is given more than once", Errors.ToString());
        var other = SavedResNets.ResNet18(seed: 12, classes: SyntheticShapes.ClassCount);
        Assert.Equal(0, Run(["evaluate", "--arch", "resnet18", "--weights", other, "--images", "13", "--pairs", "5", "--batch-size", "2", "--method", "gradcam,layercam", "--out", PathOf("other"), "--shard", "1/3"]));
        Assert.Equal(2, Run(["merge", PathOf("bad"), parts[0], PathOf("other", "part-1-of-3.json"), parts[2]]));
        Assert.Contains("are parts of different evaluations: weights (SHA-256) is", Errors.ToString());
    }

    [Fact]
    public void ExplainInShardsWritesTheWholeRunsFilesBetweenThem()
    {
        var weights = SavedResNets.ResNet18(seed: 13, classes: 3);
        var images = Directory.CreateDirectory(PathOf("images")).FullName;
        var data = new SyntheticShapes(2017, 64);
        for (var i = 0; i < 5; i++)
        {
            data.SingleObject(SyntheticShapes.HeldOutStart + i).Image.SavePng(Path.Combine(images, $"shape{i}.png"));
        }

        Assert.Equal(0, Run("explain", "--arch", "resnet18", "--weights", weights, "--image", images, "--out", PathOf("whole"), "--resize", "64", "--crop", "64"));
        for (var k = 0; k < 2; k++)
        {
            Assert.Equal(0, Run("explain", "--arch", "resnet18", "--weights", weights, "--image", images, "--out", PathOf("parts"), "--resize", "64", "--crop", "64", "--shard", $"{k}/2"));
        }

        Assert.Contains("shard 1/2: images 3 to 5 of 5", Errors.ToString());
        var whole = Directory.GetFiles(PathOf("whole")).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(whole, Directory.GetFiles(PathOf("parts")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.All(whole.Where(f => f!.EndsWith(".json", StringComparison.Ordinal)), f => Assert.Equal(File.ReadAllText(PathOf("whole", f!)), File.ReadAllText(PathOf("parts", f!))));

        Assert.Equal(2, Run("explain", "--arch", "resnet18", "--weights", weights, "--image", images, "--out", PathOf("bad"), "--shard", "2/2"));
        Assert.Contains("--shard '2/2' is not a shard: give K/N", Errors.ToString().Replace("\n", " ", StringComparison.Ordinal));
    }
}
