using CamSdk.Guided;
using CamSdk.Methods;
using CamSdk.Targets;
using CamSdk.Tests.Support;
using static TorchSharp.torch;

namespace CamSdk.Tests;

/// <summary>The README's "Without the generator" block, compiled and run.</summary>
public sealed class ReadmeExampleTests
{
    [Fact]
    public void TargetsAndVariantsBlockRuns()
    {
        manual_seed(67);
        var model = new SmallCnn(classes: 300);
        var layer = model.features;
        var otherLayer = (TorchSharp.torch.nn.Module<Tensor, Tensor>)model.features[0];
        using var batch = randn(3, 3, 16, 16);

        // --- README ---
        var explainer = new CamExplainer(model, layer);                        // e.g. a TorchVision resnet's layer4
        using var one = explainer.Explain(batch, CamTarget.Class(281));                        // one class for every image
        using var each = explainer.Explain(batch, CamTarget.Classes([281, 3, 17]));             // one class per image
        using var margin = explainer.Explain(batch, CamTarget.Score(o => o.log_softmax(1).select(1, 2) - o.log_softmax(1).select(1, 0)));
        using var guided = explainer.ExplainGuided(batch);                     // Guided Grad-CAM: .GuidedGradCam, .GuidedBackpropagation, .Cam
        using var gb = new GuidedBackpropagation(model).Explain(batch);        // Guided Backpropagation alone: .Gradients (N×C×H×W)
        using var family = explainer.Explain(batch, [CamMethods.GradCam, CamMethods.GradCamPlusPlus, CamMethods.ScoreCam]); // one pass
        var scoreCam = family["scorecam"].Heatmaps;                            // by key; or family["ScoreCAM"], family[CamMethods.ScoreCam], family[2]
        var top = one.TopClasses(3);                                           // from the explanation's own forward pass: none more
        using var finer = explainer.Explain(batch, new FinerWeightedTarget(281, [3, 17], alpha: 1)); // 281 against 3 and 17 (Finer-CAM)
        var smooth = new CamExplainer(model, layer, new ExplainerOptions { Method = CamMethods.LayerCam, EigenSmooth = true, AugmentationSmooth = true });
        var twoLayers = new CamExplainer(model, [layer, otherLayer]);          // combined as pytorch-grad-cam combines layers

        var named = new CamExplainer(model, layer, new ExplainerOptions
        {
            ClassLabels = ["circle", "square", "cross"],                       // results name the classes
            ClassScores = output => output.narrow(1, 0, 3),                    // one head of a multi-output model
        });
        // --- end ---

        Assert.Equal([281, 281, 281], one.ClassIndices!);
        Assert.Equal([281, 3, 17], each.ClassIndices!);
        Assert.Equal(new long[] { 3, 16, 16 }, margin.Heatmaps.shape);
        Assert.Equal(new long[] { 3, 3, 16, 16 }, guided.GuidedGradCam.shape);
        Assert.Equal(0, Tensors.MaxAbsDifference(gb.Gradients, guided.GuidedBackpropagation));
        using var named1 = named.Explain(batch, 1);
        Assert.Equal(["square", "square", "square"], named1.ClassLabels!);
        Assert.Equal(new long[] { 3, 16, 16 }, scoreCam.shape);
        Assert.Same(family[2], family[CamMethods.ScoreCam]);
        Assert.Equal(281, top[0][0].ClassIndex == 281 ? 281 : one.ClassIndices![0]);
        Assert.Equal(3, top[2].Count);
        Assert.Equal([281, 281, 281], finer.ClassIndices!);
        using var smoothed = smooth.Explain(batch, 1);
        using var combined = twoLayers.Explain(batch, 1);
        Assert.Equal("LayerCAM", smoothed.MethodName);
        Assert.True(smoothed.Heatmaps.max().item<float>() > 0.5f);
        Assert.Equal(new long[] { 3, 8, 8 }, combined.RawMaps.shape);
    }
}
