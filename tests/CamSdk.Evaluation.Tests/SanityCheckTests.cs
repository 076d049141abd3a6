using CamSdk.Shapes;
using CamSdk.Evaluation;
using CamSdk.Imaging;
using CamSdk.Methods;
using CamSdk.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace CamSdk.Tests;

/// <summary>The sanity checks: the user's model is never changed, the statistics are right at the ends, bad input is refused.</summary>
public sealed class SanityCheckTests
{
    private static (SmallCnn Model, Tensor Images) Setup()
    {
        manual_seed(14);
        var model = new SmallCnn(classes: 3);
        var images = rand(6, 3, 24, 24);
        return (model, images);
    }

    /// <summary>Everything a check could change: each parameter's and buffer's values, requires_grad flags and training modes.</summary>
    private static (Dictionary<string, float[]> Values, Dictionary<string, bool> Flags, bool[] Modes) Snapshot(nn.Module model) =>
        (model.named_parameters().Select(p => (p.name, (Tensor)p.parameter)).Concat(model.named_buffers())
             .ToDictionary(t => t.Item1, t => t.Item2.detach().to(float32).cpu().data<float>().ToArray()),
         model.named_parameters().ToDictionary(p => p.name, p => p.parameter.requires_grad),
         [model.training, .. model.modules().Select(m => m.training)]);

    private static void AssertSame((Dictionary<string, float[]> Values, Dictionary<string, bool> Flags, bool[] Modes) before, nn.Module model)
    {
        var after = Snapshot(model);
        Assert.Equal(before.Values.Keys, after.Values.Keys);
        foreach (var (name, values) in before.Values)
        {
            Assert.Equal(values, after.Values[name]);
        }

        Assert.Equal(before.Flags, after.Flags);
        Assert.Equal(before.Modes, after.Modes);
    }

    [Fact]
    public void ModelRandomisationLeavesTheModelAsItWasAndDestroysTheMaps()
    {
        var (model, images) = Setup();
        using var _ = model;
        using var __ = images;
        // An unusual state to keep: training mode, one frozen parameter.
        model.train();
        model.fc.bias!.requires_grad = false;
        var before = Snapshot(model);
        var options = new SanityCheckOptions { CreateModel = () => new SmallCnn(classes: 3), BatchSize = 4 };
        var result = SanityCheck.Run(model, model.features, images, [CamMethods.GradCam, CamMethods.EigenCam], options);
        AssertSame(before, model);

        // Top-down order follows the forward pass: fc, conv2, bn1, conv1.
        Assert.Equal(["fc", "features.conv2", "features.bn1", "features.conv1"], result.Layers);
        Assert.Equal(2 * result.Layers.Count, result.Steps.Count);
        Assert.Equal(["gradcam", "eigencam", "guided-backprop", "guided-gradcam"], result.Methods);
        Assert.Equal(6, result.Images);
        foreach (var step in result.Steps)
        {
            Assert.Equal(result.Methods, step.Similarity.Keys);
            foreach (var similarity in step.Similarity.Values)
            {
                foreach (var value in new[] { similarity.SpearmanAbsolute, similarity.Spearman, similarity.Ssim, similarity.Hog })
                {
                    Assert.InRange(value, -1 - 1e-9, 1 + 1e-9); // never NaN: a map that turned flat counts as changed
                }
            }
        }

        // Eigen-CAM ignores the classifier: randomising fc alone leaves its maps exactly as they were.
        var fcAlone = result.Steps.Single(s => s.Randomization == SanityRandomization.Independent && s.Layer == "fc");
        Assert.Equal(1.0, fcAlone.Similarity["eigencam"].SpearmanAbsolute, 9);
        Assert.Equal(1.0, fcAlone.Similarity["eigencam"].Ssim, 9);

        // With every layer random, Grad-CAM's maps no longer follow the original's.
        var all = result.Steps.Last(s => s.Randomization == SanityRandomization.Cascading);
        Assert.True(all.Similarity["gradcam"].SpearmanAbsolute < 0.9, $"rank correlation {all.Similarity["gradcam"].SpearmanAbsolute}");
        Assert.Equal(result.Methods, result.Verdicts.Select(v => v.MethodKey));
        Assert.All(result.Verdicts, v => Assert.Equal(v.RankCorrelation < SanityCheck.PassThreshold, v.Passes));
        Assert.Equal(2, result.Original.Count);
        Assert.Equal(24, result.Original[0][0].GetLength(0));
    }

    [Fact]
    public void TheSameModelComparedWithItselfGivesOneEverywhereAndFails()
    {
        var (model, images) = Setup();
        using var _ = model;
        using var __ = images;
        var before = Snapshot(model);
        var result = SanityCheck.CompareLabels(model, model.features, model, model.features, images, [CamMethods.GradCam]);
        AssertSame(before, model);
        var step = Assert.Single(result.Steps);
        Assert.Equal(SanityRandomization.Labels, step.Randomization);
        Assert.Equal(result.Methods, step.Similarity.Keys);
        foreach (var similarity in step.Similarity.Values)
        {
            Assert.Equal(1.0, similarity.SpearmanAbsolute, 9);
            Assert.Equal(1.0, similarity.Ssim, 9);
        }

        Assert.All(result.Verdicts, v => Assert.False(v.Passes));
        Assert.Contains("barely depends", result.Verdicts[0].Text);
    }

    [Fact]
    public void AFactoryForAnotherArchitectureIsRefusedAndTheModelKept()
    {
        var (model, images) = Setup();
        using var _ = model;
        using var __ = images;
        var before = Snapshot(model);
        var wrong = new SanityCheckOptions { CreateModel = () => new SmallCnn(classes: 4) };
        var error = Assert.Throws<CamModelException>(() => SanityCheck.Run(model, model.features, images, [CamMethods.GradCam], wrong));
        Assert.Contains("same architecture", error.Message);
        AssertSame(before, model);

        // SmallCnn has no parameterless constructor: say how to give a factory.
        Assert.Contains("factory", Assert.Throws<CamModelException>(() => SanityCheck.Run(model, model.features, images, [CamMethods.GradCam])).Message);
        using var other = new SmallCnn(classes: 3);
        Assert.Contains("not a module of the model", Assert.Throws<CamLayerException>(() => SanityCheck.Run(model, other.features, images, [CamMethods.GradCam], wrong)).Message);
        Assert.Contains("11 × 11", Assert.Throws<CamInputException>(() => SanityCheck.Run(model, model.features, rand(1, 3, 8, 8), [CamMethods.GradCam], wrong)).Message);
        using var elsewhere = new SmallCnn(classes: 3);
        elsewhere.to(new Device(DeviceType.META));
        Assert.Contains("The model is on meta but the image batch is on cpu", Assert.Throws<CamInputException>(() => SanityCheck.Run(elsewhere, elsewhere.features, images, [CamMethods.GradCam], wrong)).Message);
        var right = new SanityCheckOptions { CreateModel = () => new SmallCnn(classes: 3) };
        Assert.Contains("CAM is bound to one model's classifier", Assert.Throws<ArgumentException>(() => SanityCheck.Run(model, model.features, images, [new Cam(model.fc)], right)).Message);
        AssertSame(before, model);
    }

    [Fact]
    public void FaithfulnessLeavesTheModelAsItWas()
    {
        var (model, images) = Setup();
        using var _ = model;
        using var __ = images;
        model.train();
        model.fc.weight!.requires_grad = false;
        var before = Snapshot(model);
        var pictures = Enumerable.Range(0, 2).Select(i => RgbImage.FromTensor(images[i])).ToArray();
        var evaluator = new FaithfulnessEvaluator(model, model.features, [CamMethods.GradCam], new ImagePreprocessor()) { Step = 96, Percentiles = [50] };
        var result = evaluator.Evaluate(pictures);
        AssertSame(before, model);
        Assert.Equal(["gradcam", "guided-backprop", "guided-gradcam"], result.Methods.Select(m => m.MethodKey));
        Assert.All(result.Methods, m => Assert.Equal(7, m.Deletion.Scores.Count)); // 576 pixels in steps of 96, and the start
    }

    [Fact]
    public void MassInARegionFollowsHandMadeMasks()
    {
        var map = new float[,] { { 1, 2 }, { 3, -4 } };
        Assert.Equal(3 / 6.0, LocalizationMetrics.MassShare(map, new bool[,] { { true, true }, { false, false } }), 12);
        Assert.Equal(1.0, LocalizationMetrics.MassShare(map, new bool[,] { { true, true }, { true, false } }), 12);
        Assert.Equal(0.0, LocalizationMetrics.MassShare(map, new bool[,] { { false, false }, { false, true } }), 12); // negative values carry no mass
        Assert.Equal(0.0, LocalizationMetrics.MassShare(new float[2, 2], new bool[,] { { true, true }, { true, true } }), 12);
        Assert.Contains("one flag per map pixel", Assert.Throws<ArgumentException>(() => LocalizationMetrics.MassShare(map, new bool[3, 3])).Message);
    }

    [Fact]
    public void WatermarksAreDrawnInTheCornerAwayFromTheObjectAndCodeTheClass()
    {
        var data = new SyntheticShapes(2017, 64);
        for (var index = 0; index < 20; index++)
        {
            var plain = data.SingleObject(index);
            var clean = data.Watermarked(index, null);
            Assert.Equal(plain.Image.Pixels, clean.Shape.Image.Pixels);
            var kind = (ShapeKind)(index % 6);
            var marked = data.Watermarked(index, kind);
            var box = marked.Watermark;
            Assert.Equal((12, 12), (box.Width, box.Height));
            Assert.Equal(clean.Watermark, box);
            Assert.Equal(kind, marked.WatermarkClass);

            // In a corner, on the side away from the object's centre.
            var obj = plain.Objects[0].Box;
            Assert.True(box.Left == 2 || box.Right == 61);
            Assert.True(box.Top == 2 || box.Bottom == 61);
            Assert.Equal((obj.Left + obj.Right) / 2.0 < 32, box.Left > 32);

            // Black with exactly one lit cell (3 × 5 pixels), at the class's place in a 2 × 3 grid; nothing outside the box changed.
            var lit = new List<(int X, int Y)>();
            for (var y = 0; y < 64; y++)
            {
                for (var x = 0; x < 64; x++)
                {
                    var inside = x >= box.Left && x <= box.Right && y >= box.Top && y <= box.Bottom;
                    if (!inside)
                    {
                        Assert.Equal(plain.Image[x, y], marked.Shape.Image[x, y]);
                    }
                    else if (marked.Shape.Image[x, y] == (255, 255, 255))
                    {
                        lit.Add((x, y));
                    }
                    else
                    {
                        Assert.Equal(((byte)0, (byte)0, (byte)0), marked.Shape.Image[x, y]);
                    }
                }
            }

            Assert.Equal(15, lit.Count);
            Assert.Equal(box.Left + 1 + ((int)kind % 3 * 3), lit.Min(p => p.X));
            Assert.Equal(box.Top + 1 + ((int)kind / 3 * 5), lit.Min(p => p.Y));
        }
    }
}
