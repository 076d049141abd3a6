using CamSdk.Internal;
using CamSdk.Targets;
using CamSdk.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace CamSdk.Tests;

public sealed class GradCamTests
{
    [Fact]
    public void GradCamEqualsCamOnGlobalAveragePoolingNetwork()
    {
        // Paper, section 3.1: with conv maps A → global average pooling → linear (weights w), α_k^c = w_ck / Z,
        // so Grad-CAM = ReLU(Σ_k w_ck A^k) / Z: CAM up to scale, identical after normalisation.
        manual_seed(11);
        var model = new SmallCnn(classes: 5);
        using (no_grad())
        {
            model.fc.weight!.mul_(Scalars.Of(50)); // maps well above the 1e-7 of the scaling's denominator
        }

        using var input = randn(2, 3, 16, 16);
        using var result = new CamExplainer(model, model.features).Explain(input, CamTarget.Classes([3, 1]));

        using var scope = NewDisposeScope();
        model.eval();
        var a = model.features.call(input);
        var z = a.shape[2] * a.shape[3];
        var w = model.fc.weight!.detach();
        for (int n = 0; n < 2; n++)
        {
            var c = new[] { 3, 1 }[n];
            var cam = (w[c].reshape(1, -1, 1, 1) * a[n].unsqueeze(0)).sum(1).relu();
            Assert.True(Tensors.MaxAbsDifference(result.RawMaps[n].unsqueeze(0).mul(Scalars.Of(z)), cam) < 1e-5);
            // CAM upsampled and min-max scaled exactly, without pytorch-grad-cam's 1e-7.
            var up = nn.functional.interpolate(cam.unsqueeze(1), [16, 16], mode: InterpolationMode.Bilinear, align_corners: false).squeeze(1);
            var camHeatmap = (up - up.min()) / (up.max() - up.min());
            Assert.True(Tensors.MaxAbsDifference(result.Heatmaps[n].unsqueeze(0), camHeatmap) < 1e-5);
        }

        Assert.True(result.RawMaps.max().item<float>() > 0, "the test must compare a non-trivial map");
    }

    [Fact]
    public void LayerGradientMatchesCentralFiniteDifferences()
    {
        // The raw map is ReLU(Σ_k mean(∂y/∂A^k) A^k); recompute it with ∂y/∂A from central differences of
        // y(A) = head(A) in double precision.
        manual_seed(5);
        var model = new SmoothNet();
        using var input = randn(1, 2, 5, 5, dtype: float64);
        using var result = new CamExplainer(model, model.features).Explain(input, classIndex: 2);

        using var scope = NewDisposeScope();
        model.eval();
        using var noGrad = no_grad();
        var a = model.features.call(input);
        var gradient = zeros_like(a);
        const double h = 1e-6;
        var flat = a.flatten();
        var gradFlat = gradient.flatten();
        for (long i = 0; i < flat.shape[0]; i++)
        {
            var plus = flat.clone();
            plus[i].add_(Scalars.Of(h), Scalars.Of(1));
            var minus = flat.clone();
            minus[i].sub_(Scalars.Of(h));
            var yPlus = model.head.call(plus.reshape(a.shape))[0, 2].item<double>();
            var yMinus = model.head.call(minus.reshape(a.shape))[0, 2].item<double>();
            gradFlat[i] = (yPlus - yMinus) / (2 * h);
        }

        var alpha = gradFlat.reshape(a.shape).mean([2L, 3L]);
        var expected = (alpha.unsqueeze(-1).unsqueeze(-1) * a).sum(1).relu();
        Assert.True(expected.max().item<double>() > 0, "the test must compare a non-trivial map");
        Assert.True(Tensors.MaxAbsDifference(result.RawMaps, expected) < 1e-8);
    }

    [Fact]
    public void HandComputedMapOfTwoChannelsIsExact()
    {
        // A^1 = 1..9, A^2 as below; fc row 0 = (0.9, −0.45) after global average pooling over 3×3, so
        // α = (0.9/9, −0.45/9) = (0.1, −0.05) and the map is ReLU(0.1·A^1 − 0.05·A^2).
        var model = new IdentityGapNet(new double[,] { { 0.9, -0.45 }, { 1, 1 } });
        using var input = tensor(new double[]
        {
            1, 2, 3, 4, 5, 6, 7, 8, 9,
            2, 0, 4, 0, 20, 0, 8, 0, 40,
        }).reshape(1, 2, 3, 3);
        using var result = new CamExplainer(model, model.features).Explain(input, classIndex: 0);

        var expectedRaw = new[] { 0, 0.2, 0.1, 0.4, 0, 0.6, 0.3, 0.8, 0 };
        var raw = Tensors.ToDoubles(result.RawMaps);
        for (int i = 0; i < 9; i++)
        {
            Assert.Equal(expectedRaw[i], raw[i], 12);
        }

        // Upsampling 3×3 to 3×3 is the identity. pytorch-grad-cam scales twice (per layer, then after combining the
        // layers): s = m / (0.8 + 1e-7), then s / (max s + 1e-7).
        var heat = Tensors.ToDoubles(result.Heatmaps);
        var once = 0.8 / (0.8 + 1e-7);
        for (int i = 0; i < 9; i++)
        {
            Assert.Equal(expectedRaw[i] / (0.8 + 1e-7) / (once + 1e-7), heat[i], 12);
        }

        // y_0 = 0.9·mean(A^1) − 0.45·mean(A^2) + 0.25 = 0.9·5 − 0.45·(74/9) + 0.25
        Assert.Equal(0.9 * 5 - 0.45 * (74.0 / 9) + 0.25, result.Scores.item<double>(), 12);
        Assert.Equal([0], result.ClassIndices!);
    }

    [Fact]
    public void HeatmapIsScaledThenResizedWithHalfPixelCentresThenScaledAgain()
    {
        // [[0, 1], [2, 3]] to 4×4 with align_corners = false (PyTorch and OpenCV INTER_LINEAR), by hand:
        using var map = tensor(new float[] { 0, 1, 2, 3 }).reshape(1, 2, 2);
        using var heat = Maps.Heatmaps([map], 4, 4);
        var expected = new[]
        {
            0, 0.25, 0.75, 1,
            0.5, 0.75, 1.25, 1.5,
            1.5, 1.75, 2.25, 2.5,
            2, 2.25, 2.75, 3,
        };
        var actual = Tensors.ToDoubles(heat);
        for (int i = 0; i < 16; i++)
        {
            Assert.Equal(expected[i] / (3 + 1e-7), actual[i], 6);
        }
    }

    [Fact]
    public void BatchGivesTheSameMapsAsSingleCalls()
    {
        manual_seed(3);
        var model = new SmallCnn(classes: 4);
        model.train(); // batch norm in training mode would mix the images: the explainer must use evaluation mode
        using var batch = randn(4, 3, 12, 12);
        var explainer = new CamExplainer(model, model.features);
        using var together = explainer.Explain(batch);
        for (int n = 0; n < 4; n++)
        {
            using var single = explainer.Explain(batch[n].unsqueeze(0));
            Assert.Equal(together.ClassIndices![n], single.ClassIndices![0]);
            Assert.True(Tensors.MaxAbsDifference(together.RawMaps[n], single.RawMaps[0]) < 1e-5);
            Assert.True(Tensors.MaxAbsDifference(together.Heatmaps[n], single.Heatmaps[0]) < 1e-5);
            Assert.Equal(single.Scores[0].item<float>(), together.Scores[n].item<float>(), 5);
        }
    }

    [Fact]
    public void EachClassPutsItsMassOnItsOwnHalf()
    {
        var model = new HalfSplitNet(size: 8);
        using var input = rand(1, 1, 8, 8).Plus(Scalars.Of(0.1));
        var explainer = new CamExplainer(model, model.split);
        foreach (var (cls, ownColumns) in new[] { (0, (0, 4)), (1, (4, 8)) })
        {
            using var result = explainer.Explain(input, cls);
            using var heat = result.Heatmaps[0];
            var total = heat.sum().item<float>();
            var own = heat[TensorIndex.Colon, TensorIndex.Slice(ownColumns.Item1, ownColumns.Item2)].sum().item<float>();
            Assert.True(total > 1, "the map must not be empty");
            Assert.True(own / total > 0.999, $"class {cls} put {own / total:P2} of its mass on its own half");
        }
    }

    [Fact]
    public void PredictedClassIsTheArgmaxOfTheLogits()
    {
        manual_seed(8);
        var model = new SmallCnn(classes: 6);
        using var input = randn(3, 3, 8, 8);
        using var result = new CamExplainer(model, model.features).Explain(input);
        model.eval();
        using var logits = model.call(input);
        var expected = logits.argmax(1).data<long>().Select(i => (int)i).ToArray();
        Assert.Equal(expected, result.ClassIndices);
        using var expectedScores = logits.max(1).values;
        Assert.True(Tensors.MaxAbsDifference(result.Scores, expectedScores) < 1e-6);
    }

    [Fact]
    public void AnyDifferentiableScoreCanBeExplained()
    {
        // A score that is not a logit: the log-probability margin between classes 2 and 0.
        manual_seed(21);
        var model = new SmallCnn(classes: 4);
        using var input = randn(2, 3, 8, 8);
        var explainer = new CamExplainer(model, model.features);
        using var result = explainer.Explain(input, CamTarget.Score(o => o.log_softmax(1).select(1, 2) - o.log_softmax(1).select(1, 0), "margin"));
        Assert.Null(result.ClassIndices);
        Assert.Equal("margin", result.Target);

        // By linearity of the gradient, the margin's map equals the map of the same linear combination of weights.
        using var scope = NewDisposeScope();
        model.eval();
        var a = model.features.call(input);
        var w = model.fc.weight!.detach();
        var z = a.shape[2] * a.shape[3];
        // ∂(log p2 − log p0)/∂logits = e2 − e0 (the softmax terms cancel), so α = (w2 − w0) / Z.
        var alpha = (w[2] - w[0]).div(Scalars.Of(z)).unsqueeze(0);
        var expected = (alpha.unsqueeze(-1).unsqueeze(-1) * a).sum(1).relu();
        Assert.True(Tensors.MaxAbsDifference(result.RawMaps, expected) < 1e-6);
        Assert.True(expected.max().item<float>() > 0, "the test must compare a non-trivial map");
    }

    [Fact]
    public void ParameterGradientsAreUntouched()
    {
        manual_seed(2);
        var model = new SmallCnn();
        using var input = randn(2, 3, 8, 8);
        model.call(input).sum().backward(); // give every parameter a .grad to compare with
        var before = model.parameters().Select(p => p.grad!.clone()).ToList();

        using (new CamExplainer(model, model.features).Explain(input))
        {
        }

        var after = model.parameters().Select(p => p.grad!).ToList();
        Assert.Equal(before.Count, after.Count);
        for (int i = 0; i < before.Count; i++)
        {
            Assert.Equal(0, Tensors.MaxAbsDifference(before[i], after[i]));
        }
    }

    [Fact]
    public void FrozenParametersGiveTheSameMapAndStayFrozen()
    {
        manual_seed(4);
        var model = new SmallCnn();
        using var input = randn(1, 3, 8, 8);
        var explainer = new CamExplainer(model, model.features);
        using var trainable = explainer.Explain(input, 1);
        foreach (var p in model.parameters())
        {
            p.requires_grad = false;
        }

        using var frozen = explainer.Explain(input, 1);
        Assert.Equal(0, Tensors.MaxAbsDifference(trainable.RawMaps, frozen.RawMaps));
        Assert.All(model.parameters(), p => Assert.False(p.requires_grad));
    }

    [Fact]
    public void WeightsLoadedWithPyBridgeLoadPyGiveTheSameMap()
    {
        // TorchSharp.PyBridge's load_py leaves every parameter without grad: the explainer must not need it.
        manual_seed(6);
        var original = new SmallCnn();
        var path = Path.Combine(Path.GetTempPath(), $"camsdk-{Guid.NewGuid():N}.pth");
        try
        {
            TorchSharp.PyBridge.PyBridgeModuleExtensions.save_py(original, path);
            var loaded = new SmallCnn();
            TorchSharp.PyBridge.PyBridgeModuleExtensions.load_py(loaded, path);
            var flags = loaded.parameters().Select(p => p.requires_grad).ToArray();

            using var input = randn(1, 3, 8, 8);
            using var expected = new CamExplainer(original, original.features).Explain(input, 2);
            using var actual = new CamExplainer(loaded, loaded.features).Explain(input, 2);
            Assert.True(Tensors.MaxAbsDifference(expected.RawMaps, actual.RawMaps) < 1e-6);
            Assert.True(expected.RawMaps.max().item<float>() > 0);
            Assert.Equal(flags, loaded.parameters().Select(p => p.requires_grad).ToArray());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void ResultsConvertToPlainArrays()
    {
        var model = new IdentityGapNet(new double[,] { { 0.9, -0.45 }, { 1, 1 } });
        using var input = tensor(new double[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 2, 0, 4, 0, 20, 0, 8, 0, 40 }).reshape(1, 2, 3, 3);
        using var result = new CamExplainer(model, model.features).Explain(input, 0);
        var raw = result.RawMapToArray(0);
        Assert.Equal(3, raw.GetLength(0));
        Assert.Equal(0.6f, raw[1, 2], 6);
        Assert.Equal(0.8f, raw[2, 1], 6);
        Assert.Equal(1f, result.HeatmapToArray()[2, 1], 6);
        Assert.Equal(0.9 * 5 - 0.45 * (74.0 / 9) + 0.25, result.ScoresToArray()[0], 5);
        Assert.Throws<ArgumentOutOfRangeException>(() => result.HeatmapToArray(1));
    }
}
