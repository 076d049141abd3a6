using CamSdk.Guided;
using CamSdk.Targets;
using CamSdk.Tests.Support;
using static TorchSharp.torch;

namespace CamSdk.Tests;

public sealed class ExplainerOptionsTests
{
    private static readonly string[] Labels = ["circle", "square", "triangle", "star", "cross"];

    [Fact]
    public void ResultsNameTheExplainedClasses()
    {
        manual_seed(59);
        var model = new SmallCnn(classes: 5);
        using var input = randn(2, 3, 8, 8);
        var options = new ExplainerOptions { ClassLabels = Labels };
        using var result = new CamExplainer(model, model.features, options).Explain(input, CamTarget.Classes([4, 2]));
        Assert.Equal(["cross", "triangle"], result.ClassLabels!);
        using var guided = new GuidedBackpropagation(model, options).Explain(input, CamTarget.Class(1));
        Assert.Equal(["square", "square"], guided.ClassLabels!);
    }

    [Fact]
    public void LabelCountMustMatchTheClassCount()
    {
        var model = new SmallCnn(classes: 4);
        using var input = randn(1, 3, 8, 8);
        var error = Assert.Throws<CamTargetException>(() => new CamExplainer(model, model.features, new() { ClassLabels = Labels }).Explain(input));
        Assert.Contains("4 class scores but 5 class labels", error.Message);
    }

    [Fact]
    public void ClassScoreHeadSelectsOneHeadOfAMultiOutputModel()
    {
        // Outputs 0..2 are one head, 3..4 another: explaining class 1 of the second head is explaining output 4.
        manual_seed(61);
        var model = new SmallCnn(classes: 5);
        using var input = randn(2, 3, 8, 8);
        var secondHead = new ExplainerOptions { ClassScores = o => o.narrow(1, 3, 2) };
        using var viaHead = new CamExplainer(model, model.features, secondHead).Explain(input, 1);
        using var direct = new CamExplainer(model, model.features).Explain(input, 4);
        Assert.Equal(0, Tensors.MaxAbsDifference(viaHead.RawMaps, direct.RawMaps));
        Assert.Equal([1, 1], viaHead.ClassIndices!);

        var error = Assert.Throws<CamTargetException>(() => new CamExplainer(model, model.features, secondHead).Explain(input, 2));
        Assert.Contains("valid indices are 0 to 1", error.Message);
    }
}
