using System.Text.Json;
using CamSdk.Shapes;
using CamSdk.Evaluation;
using CamSdk.Models;
using CamSdk.Tests.Support;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace CamSdk.Tests;

/// <summary><c>camsdk evaluate</c> on a dataset folder, and the folder layout it reads.</summary>
public sealed class EvaluateCommandTests() : CommandLineTests("camsdk-evaluate-")
{
    /// <summary>A folder in the documented layout: three one-object and two two-object synthetic images, labels as names and as indices.</summary>
    private string WriteFolder(string header = EvaluationFolder.Header)
    {
        var folder = Directory.CreateDirectory(PathOf("data")).FullName;
        var data = new SyntheticShapes(2017, 64);
        var rows = new List<string> { header };
        for (var i = 0; i < 3; i++)
        {
            var shape = data.SingleObject(SyntheticShapes.HeldOutStart + i);
            shape.Image.SavePng(Path.Combine(folder, $"single{i}.png"));
            var box = shape.Objects[0].Box;
            rows.Add($"single{i}.png,{shape.Label},{box.Left},{box.Top},{box.Right},{box.Bottom}");
        }

        for (var i = 0; i < 2; i++)
        {
            var shape = data.TwoObjects(SyntheticShapes.HeldOutStart + i);
            Directory.CreateDirectory(Path.Combine(folder, "pairs"));
            shape.Image.SavePng(Path.Combine(folder, "pairs", $"pair{i}.png"));
            rows.AddRange(shape.Objects.Select(o => $"pairs/pair{i}.png,{(int)o.Kind},{o.Box.Left},{o.Box.Top},{o.Box.Right},{o.Box.Bottom}"));
        }

        File.WriteAllLines(Path.Combine(folder, EvaluationFolder.AnnotationsFile), rows);
        return folder;
    }

    [Trait("Speed", "Slow")]
    [Fact]
    public void EvaluatesAZooArchitectureOnAFolderAndWritesTheReportAndMetrics()
    {
        var folder = WriteFolder();
        var weights = SavedResNets.ResNet18(seed: 5, classes: 6);
        var labels = PathOf("labels.txt");
        File.WriteAllLines(labels, SyntheticShapes.ClassNames);
        var output = PathOf("out");

        var exit = Run("evaluate", "--arch", "resnet18", "--weights", weights, "--labels", labels, "--data", folder, "--out", output, "--batch-size", "2", "--method", "gradcam,cam");

        Assert.True(exit == 0, Output.ToString());
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "metrics.json")));
        Assert.Equal(3, json.RootElement.GetProperty("localization").GetProperty("images").GetInt32());
        Assert.Equal(2, json.RootElement.GetProperty("discrimination").GetProperty("images").GetInt32());
        var methods = json.RootElement.GetProperty("localization").GetProperty("methods");
        Assert.Equal(["gradcam", "cam", "guided-backprop", "guided-gradcam", "centred-box"], methods.EnumerateObject().Select(p => p.Name));
        Assert.Equal(SyntheticShapes.ClassNames, json.RootElement.GetProperty("classes").EnumerateArray().Select(e => e.GetString()));
        Assert.Contains("<table class=\"metrics\" id=\"localisation-table\">", File.ReadAllText(Path.Combine(output, "report.html")));
        Assert.Contains("Report:", Results.ToString());
    }

    [Trait("Speed", "Slow")]
    [Fact]
    public void DecodingAheadOrInlineWritesTheSameFiles()
    {
        var folder = WriteFolder();
        var weights = SavedResNets.ResNet18(seed: 6, classes: 6);
        var labels = PathOf("labels.txt");
        File.WriteAllLines(labels, SyntheticShapes.ClassNames);
        string[] common = ["evaluate", "--arch", "resnet18", "--weights", weights, "--labels", labels, "--data", folder, "--batch-size", "2", "--method", "gradcam,layercam"];
        foreach (var prepare in new[] { "inline", "ahead", "auto" })
        {
            Assert.Equal(0, Run([.. common, "--prepare", prepare, "--out", PathOf(prepare)]));
        }

        foreach (var file in new[] { "metrics.json", "report.html" })
        {
            Assert.Equal(File.ReadAllText(PathOf("inline", file)), File.ReadAllText(PathOf("ahead", file)));
            Assert.Equal(File.ReadAllText(PathOf("inline", file)), File.ReadAllText(PathOf("auto", file)));
        }

        Assert.Equal(2, Run([.. common, "--prepare", "sideways", "--out", PathOf("sideways")]));
        Assert.Contains("'sideways'", Errors.ToString());
    }

    [Fact]
    public void ExplainsWhatIsMissingOrMalformed()
    {
        Assert.Equal(2, Run("evaluate", "--arch", "resnet18", "--data", PathOf("nowhere")));
        Assert.Contains("needs --weights", Output.ToString());

        Assert.Equal(2, Run("evaluate", "--weights", "w.pth"));
        Assert.Contains("go with --arch", Output.ToString());

        Assert.Equal(2, Run("evaluate", "--arch", "resnet18", "--weights", SavedResNets.ResNet18(seed: 1, classes: 3)));
        Assert.Contains("Without --data, evaluate uses the built-in shapes, whose 6 classes", Output.ToString());

        var folder = WriteFolder();
        File.AppendAllLines(Path.Combine(folder, EvaluationFolder.AnnotationsFile), ["single0.png,Hexagon,1,1,5,5"]);
        var error = Assert.Throws<CamImageException>(() => EvaluationFolder.Load(folder, SyntheticShapes.ClassNames));
        Assert.Contains("line 9", error.Message);
        Assert.Contains("'Hexagon' is neither a class index nor a class name", error.Message);
    }

    [Fact]
    public void TheFolderLayoutIsReadAsDocumented()
    {
        var folder = WriteFolder();
        var set = EvaluationFolder.Load(folder, SyntheticShapes.ClassNames);

        Assert.Equal(["single0.png", "single1.png", "single2.png"], set.SingleObjectImages.Select(i => i.Name));
        Assert.Equal(["pairs/pair0.png", "pairs/pair1.png"], set.TwoObjectImages.Select(i => i.Name));
        var expected = new SyntheticShapes(2017, 64).SingleObject(SyntheticShapes.HeldOutStart);
        Assert.Equal(new GroundTruthObject((int)expected.Label, expected.Objects[0].Box), set.SingleObjectImages[0].Objects[0]);
        Assert.Equal(expected.Image.Pixels, set.SingleObjectImages[0].Image.Pixels);

        File.WriteAllText(Path.Combine(folder, EvaluationFolder.AnnotationsFile), "image,class,x,y,w,h\n");
        Assert.Contains("must start with the header", Assert.Throws<CamImageException>(() => EvaluationFolder.Load(folder, SyntheticShapes.ClassNames)).Message);
        File.WriteAllText(Path.Combine(folder, EvaluationFolder.AnnotationsFile), $"{EvaluationFolder.Header}\nsingle0.png,0,10,10,64,20\n");
        Assert.Contains("reaches outside", Assert.Throws<CamImageException>(() => EvaluationFolder.Load(folder, SyntheticShapes.ClassNames)).Message);
    }
}
