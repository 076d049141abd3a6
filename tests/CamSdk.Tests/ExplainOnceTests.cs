using CamSdk.Guided;
using CamSdk.Methods;
using CamSdk.Targets;
using CamSdk.Tests.Support;
using static TorchSharp.torch;

namespace CamSdk.Tests;

/// <summary>
/// One key per method, from the catalogue of method instances; an explanation's own forward pass gives the model's output
/// and its top classes, so callers need no second pass.
/// </summary>
public sealed class ExplainOnceTests
{
    [Fact]
    public void EveryMethodHasOneKeyPytorchGradCamsCommandLineNameAndResultsIndexByKeyAndName()
    {
        string[] keys = ["gradcam", "gradcam++", "xgradcam", "hirescam", "gradcamelementwise", "layercam", "eigencam", "eigengradcam", "scorecam", "ablationcam"];
        Assert.Equal(keys, CamMethods.All.Select(m => m.Key));
        Assert.All(CamMethods.All, m => Assert.Same(m, CamMethods.ByKey[m.Key]));
        Assert.Same(CamMethods.GradCamPlusPlus, CamMethods.ByKey["GRADCAM++"]);
        Assert.Equal(Cam.MethodKey, new Cam(new SmallCnn(3).fc).Key);
        Assert.Equal("guided-backprop", GuidedBackpropagation.Key);
        Assert.Equal("guided-gradcam", GuidedBackpropagation.GuidedGradCamKey);

        manual_seed(2);
        var model = new SmallCnn(classes: 3);
        using var input = randn(2, 3, 8, 8);
        using var set = new CamExplainer(model, model.features).Explain(input, [CamMethods.GradCam, CamMethods.LayerCam, CamMethods.GradCamPlusPlus]);
        Assert.Same(set["layercam"], set["LayerCAM"]);
        Assert.Same(set["gradcam++"], set["GradCAMPlusPlus"]); // the key is not the name lower-cased
        Assert.Same(set[CamMethods.GradCamPlusPlus], set["GRADCAM++"]);
        Assert.Same(set[1], set[CamMethods.LayerCam]);
        Assert.Equal("layercam", set[1].MethodKey);
        var unknown = Assert.Throws<KeyNotFoundException>(() => set["scorecam"]);
        Assert.Contains("gradcam++ (GradCAMPlusPlus)", unknown.Message);
        var twice = Assert.Throws<ArgumentException>(() => new CamExplainer(model, model.features).Explain(input, [CamMethods.GradCam, new GradCam()]));
        Assert.Contains("key or name 'gradcam'", twice.Message);
    }

    [Fact]
    public void TheExplanationsOwnForwardPassGivesTheOutputsAndTopClasses()
    {
        manual_seed(3);
        var model = new SmallCnn(classes: 6);
        model.eval();
        using var input = randn(3, 3, 10, 10);
        var forwards = 0;
        var counter = model.register_forward_hook((_, _, _) =>
        {
            forwards++;
            return null!;
        });
        using var result = new CamExplainer(model, model.features, new ExplainerOptions { ClassLabels = ["a", "b", "c", "d", "e", "f"] }).Explain(input);
        var top = result.TopClasses(3);
        Assert.Equal(1, forwards);
        counter.remove();

        using Tensor expected = model.call(input).detach();
        Assert.Equal(0, Tensors.MaxAbsDifference(result.Outputs, expected));
        using var probabilities = expected.softmax(1);
        for (var n = 0; n < 3; n++)
        {
            var order = Enumerable.Range(0, 6).OrderByDescending(c => expected[n, c].item<float>()).ToArray();
            Assert.Equal(order[..3], top[n].Select(c => c.ClassIndex));
            Assert.Equal(result.ClassIndices![n], top[n][0].ClassIndex);
            Assert.Equal(expected[n, order[0]].item<float>(), top[n][0].Score);
            Assert.Equal(probabilities[n, order[1]].item<float>(), top[n][1].Probability, 6);
            Assert.Equal(new[] { "a", "b", "c", "d", "e", "f" }[order[2]], top[n][2].Label);
        }
    }

    [Fact]
    public void GuidedGradCamIsOneProductWhereverItIsMade()
    {
        manual_seed(4);
        var model = new SmallCnn(classes: 3);
        using var input = randn(2, 3, 10, 10);
        using var result = new CamExplainer(model, model.features).ExplainGuided(input, CamTarget.Class(2));
        using var product = GuidedBackpropagation.Combine(result.GuidedBackpropagation, result.Cam.Heatmaps);
        Assert.Equal(0, Tensors.MaxAbsDifference(product, result.GuidedGradCam));
        Assert.Equal(0, Tensors.MaxAbsDifference(result.GuidedBackpropagation[1, 2] * result.Cam.Heatmaps[1], product[1, 2]));
    }
}
