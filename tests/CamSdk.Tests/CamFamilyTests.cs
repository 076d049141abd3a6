using CamSdk.Internal;
using CamSdk.Methods;
using CamSdk.Targets;
using CamSdk.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace CamSdk.Tests;

/// <summary>
/// The CAM family's definitions by hand, in double precision, on a network whose answer is known: the explained
/// layer is the input itself (identity), followed by global average pooling and a linear head, so that
/// ∂y_c/∂A^k_ij = W_ck / (h·w) everywhere.
/// </summary>
public sealed class CamFamilyTests
{
    private static readonly double[,] Weights = { { 0.9, -0.45 }, { -0.3, 1.2 } };

    // Two 3×3 channels: A^1 = 1..9, A^2 with zeros (so the activations' minimum is 0, as after a ReLU).
    private static readonly double[][] Channels =
    [
        [1, 2, 3, 4, 5, 6, 7, 8, 9],
        [2, 0, 4, 0, 20, 0, 8, 0, 40],
    ];

    public static TheoryData<int> Classes => [0, 1];

    [Theory]
    [MemberData(nameof(Classes))]
    public void ChannelWeightMethodsGiveTheirClosedForms(int c)
    {
        var (model, input) = GapNet();
        CamMethod[] methods = [CamMethods.GradCam, CamMethods.GradCamPlusPlus, CamMethods.XGradCam, CamMethods.AblationCam, new Cam(model.fc)];
        using var results = new CamExplainer(model, model.features).Explain(input, methods, CamTarget.Class(c));

        var g = new[] { Weights[c, 0] / 9, Weights[c, 1] / 9 };
        var sums = Channels.Select(a => a.Sum()).ToArray();
        var score = Weights[c, 0] * sums[0] / 9 + Weights[c, 1] * sums[1] / 9 + 0.25;
        var expected = new Dictionary<string, double[]>
        {
            ["GradCAM"] = g,
            // α = g² / (2g² + Σ A · g³ + 1e-6), the same at every location; w = Σ_ij α · ReLU(g).
            ["GradCAMPlusPlus"] = [.. g.Select((gk, k) => 9 * Math.Max(gk, 0) * gk * gk / (2 * gk * gk + sums[k] * gk * gk * gk + 1e-6))],
            ["XGradCAM"] = [.. g.Select((gk, k) => gk * sums[k] / (sums[k] + 1e-7))],
            // Ablating channel k (to 0: the minimum is 0) removes W_ck · mean(A^k) from the score.
            ["AblationCAM"] = [.. g.Select((_, k) => Weights[c, k] * sums[k] / 9 / score)],
            ["CAM"] = [Weights[c, 0], Weights[c, 1]],
        };

        Assert.Equal(expected.Keys.Order(), results.Select(r => r.MethodName).Order());
        foreach (var result in results)
        {
            var w = expected[result.MethodName];
            AssertRaw(result, i => Math.Max(w[0] * Channels[0][i] + w[1] * Channels[1][i], 0));
        }
    }

    [Theory]
    [MemberData(nameof(Classes))]
    public void ElementWiseMethodsGiveTheirClosedForms(int c)
    {
        var (model, input) = GapNet();
        using var results = new CamExplainer(model, model.features).Explain(
            input, [CamMethods.HiResCam, CamMethods.GradCamElementWise, CamMethods.LayerCam], CamTarget.Class(c));

        var g = new[] { Weights[c, 0] / 9, Weights[c, 1] / 9 };
        AssertRaw(results["HiResCAM"], i => Math.Max(g[0] * Channels[0][i] + g[1] * Channels[1][i], 0));
        AssertRaw(results["GradCAMElementWise"], i => Math.Max(g[0] * Channels[0][i], 0) + Math.Max(g[1] * Channels[1][i], 0));
        AssertRaw(results["LayerCAM"], i => Math.Max(g[0], 0) * Channels[0][i] + Math.Max(g[1], 0) * Channels[1][i]);
    }

    [Fact]
    public void ScoreCamWeightsAreTheSoftmaxOfTheMaskedInputsScores()
    {
        var (model, input) = GapNet();
        using var result = new CamExplainer(model, model.features, new ExplainerOptions { Method = CamMethods.ScoreCam }).Explain(input, classIndex: 0);

        // The layer is the input, so channel k's mask is A^k min-max scaled (upsampling 3×3 to 3×3 is the identity),
        // and the masked input's score is Σ_j W_0j · mean(A^j ⊙ M^k) + 0.25.
        var scores = Channels.Select(mask =>
        {
            var (min, max) = (mask.Min(), mask.Max());
            var m = mask.Select(v => (v - min) / (max - min + 1e-8)).ToArray();
            return Enumerable.Range(0, 2).Sum(j => Weights[0, j] * Channels[j].Select((v, i) => v * m[i]).Sum() / 9) + 0.25;
        }).ToArray();
        var exp = scores.Select(s => Math.Exp(s - scores.Max())).ToArray();
        var w = exp.Select(e => e / exp.Sum()).ToArray();
        AssertRaw(result, i => Math.Max(w[0] * Channels[0][i] + w[1] * Channels[1][i], 0), decimals: 6);
    }

    [Fact]
    public void EigenCamIsTheCentredFirstPrincipalComponentWithItsLargerExtremePositive()
    {
        // Rank one after centring: A^k = a_k·P + b_k, so the projection is ±‖a‖·(P − mean P).
        var pattern = new double[] { 0, 1, 0, 2, 6, 1, 0, 1, 0 };
        var (a, b) = (new[] { 0.6, -0.8 }, new[] { 3.0, 5.0 });
        var model = new IdentityGapNet(Weights);
        using var input = tensor(a.SelectMany((ak, k) => pattern.Select(p => ak * p + b[k])).ToArray(), dtype: float64).reshape(1, 2, 3, 3);
        using var result = new CamExplainer(model, model.features, new ExplainerOptions { Method = CamMethods.EigenCam }).Explain(input, classIndex: 0);

        var mean = pattern.Average();
        // P − mean has its larger extreme at +6 − mean (positive), so that sign is kept; ‖a‖ = 1.
        AssertRaw(result, i => Math.Max(pattern[i] - mean, 0), decimals: 9);
    }

    [Fact]
    public void GradCamEqualsCamOnAGlobalAveragePoolingNetworkBetweenTwoMethods()
    {
        manual_seed(29);
        var model = new SmallCnn(classes: 5);
        using (no_grad())
        {
            model.fc.weight!.mul_(Scalars.Of(50));
        }

        using var input = randn(3, 3, 16, 16);
        using var results = new CamExplainer(model, model.features).Explain(input, [CamMethods.GradCam, new Cam(model.fc)], CamTarget.Classes([3, 1, 4]));
        Assert.True(results["GradCAM"].RawMaps.max().item<float>() > 0, "the test must compare a non-trivial map");
        Assert.True(Tensors.MaxAbsDifference(results["GradCAM"].Heatmaps, results["CAM"].Heatmaps) < 1e-5);
        // Raw maps differ by the pooling's 1/(h·w) = 1/64.
        Assert.True(Tensors.MaxAbsDifference(results["GradCAM"].RawMaps.mul(Scalars.Of(64)), results["CAM"].RawMaps) < 1e-4);
    }

    [Fact]
    public void SeveralMethodsFromOneCallEqualSeparateCalls()
    {
        manual_seed(31);
        var model = new SmallCnn(classes: 4);
        using var input = randn(2, 3, 12, 12);
        CamMethod[] methods = [CamMethods.GradCam, CamMethods.GradCamPlusPlus, CamMethods.HiResCam, CamMethods.LayerCam, CamMethods.EigenGradCam, CamMethods.EigenCam, new ScoreCam { BatchSize = 5 }, CamMethods.AblationCam];
        var explainer = new CamExplainer(model, model.features);
        using var together = explainer.Explain(input, methods, CamTarget.Classes([2, 0]));

        foreach (var method in methods)
        {
            using var alone = new CamExplainer(model, model.features, new ExplainerOptions { Method = method }).Explain(input, CamTarget.Classes([2, 0]));
            Assert.Equal(method.Name, together[method].MethodName);
            Assert.True(alone.Heatmaps.max().item<float>() > 0.5f, $"{method.Name} must give a non-trivial map");
            Assert.Equal(0, Tensors.MaxAbsDifference(together[method].Heatmaps, alone.Heatmaps));
            Assert.Equal(0, Tensors.MaxAbsDifference(together[method].RawMaps, alone.RawMaps));
        }
    }

    [Fact]
    public void OneForwardPassServesEveryMethodWithoutExtraPasses()
    {
        manual_seed(37);
        var model = new SmallCnn(classes: 4);
        using var input = randn(2, 3, 12, 12);
        var forwards = 0;
        var counter = model.register_forward_hook((_, _, _) =>
        {
            forwards++;
            return null!;
        });
        var explainer = new CamExplainer(model, model.features);

        using (explainer.Explain(input, [CamMethods.GradCam, CamMethods.GradCamPlusPlus, CamMethods.XGradCam, CamMethods.HiResCam, CamMethods.GradCamElementWise, CamMethods.LayerCam, CamMethods.EigenCam, CamMethods.EigenGradCam, new Cam(model.fc)]))
        {
            Assert.Equal(1, forwards);
        }

        // Score-CAM adds one pass per batch of masked inputs: 2 images × 16 channels in batches of 5 = 2 × 4.
        forwards = 0;
        using (explainer.Explain(input, [CamMethods.GradCam, new ScoreCam { BatchSize = 5 }]))
        {
            Assert.Equal(1 + 8, forwards);
        }

        counter.remove();
    }

    [Fact]
    public void NoBackwardPassRunsWhenNoMethodUsesGradients()
    {
        manual_seed(41);
        var model = new SmallCnn(classes: 4);
        using var input = randn(1, 3, 12, 12);
        var probe = new GradientProbe();
        using (new CamExplainer(model, model.features).Explain(input, [CamMethods.EigenCam, probe]))
        {
            Assert.False(probe.SawGradients);
        }

        var withGradCam = new GradientProbe();
        using (new CamExplainer(model, model.features).Explain(input, [CamMethods.GradCam, withGradCam]))
        {
            Assert.True(withGradCam.SawGradients);
        }
    }

    [Fact]
    public void ResultsNameTheirMethodAndRepeatedNamesAreRefused()
    {
        manual_seed(43);
        var model = new SmallCnn(classes: 4);
        using var input = randn(1, 3, 12, 12);
        var explainer = new CamExplainer(model, model.features);
        using (var results = explainer.Explain(input, [CamMethods.LayerCam, CamMethods.GradCam]))
        {
            Assert.Equal(["LayerCAM", "GradCAM"], results.Select(r => r.MethodName));
            Assert.Same(results[1], results["gradcam"]);
            Assert.Contains("layercam (LayerCAM), gradcam (GradCAM)", Assert.Throws<KeyNotFoundException>(() => results["ScoreCAM"]).Message);
        }

        var error = Assert.Throws<ArgumentException>(() => explainer.Explain(input, [CamMethods.ScoreCam, ScoreCam.Paper]));
        Assert.Contains("ScoreCAM", error.Message);
    }

    [Fact]
    public void ScoreCamReportsProgressAndStopsWhenCancelled()
    {
        manual_seed(47);
        var model = new SmallCnn(classes: 4);
        using var input = randn(2, 3, 12, 12);
        var reports = new List<CamProgress>();
        var progress = new SynchronousProgress(reports.Add);
        var options = new ExplainerOptions { Method = new ScoreCam { BatchSize = 6 }, Progress = progress };
        using (new CamExplainer(model, model.features, options).Explain(input, classIndex: 1))
        {
        }

        // 2 images × 16 channels in batches of 6: 6, 12, 16 for each image.
        Assert.Equal([6, 12, 16, 22, 28, 32], reports.Select(r => r.Completed));
        Assert.All(reports, r => Assert.Equal((32L, "ScoreCAM", "features"), (r.Total, r.Stage, r.Detail)));

        using var cancellation = new CancellationTokenSource();
        var cancelling = new ExplainerOptions { Method = new ScoreCam { BatchSize = 6 }, Progress = new SynchronousProgress(_ => cancellation.Cancel()) };
        Assert.ThrowsAny<OperationCanceledException>(() => new CamExplainer(model, model.features, cancelling).Explain(input, classIndex: 1, cancellation.Token));
        Assert.Equal(0, Hooks.Count(model));
    }

    private static (IdentityGapNet Model, Tensor Input) GapNet()
    {
        var model = new IdentityGapNet(Weights);
        return (model, tensor(Channels.SelectMany(c => c).ToArray(), dtype: float64).reshape(1, 2, 3, 3));
    }

    private static void AssertRaw(CamResult result, Func<int, double> expected, int decimals = 9)
    {
        var raw = Tensors.ToDoubles(result.RawMaps);
        Assert.Contains(raw, v => v > 0.01);
        for (var i = 0; i < 9; i++)
        {
            Assert.True(Math.Abs(expected(i) - raw[i]) < Math.Pow(10, -decimals), $"{result.MethodName}[{i}]: expected {expected(i)}, got {raw[i]}");
        }
    }

    /// <summary>Reports on the calling thread (Progress&lt;T&gt; would post to the thread pool).</summary>
    private sealed class SynchronousProgress(Action<CamProgress> report) : IProgress<CamProgress>
    {
        public void Report(CamProgress value) => report(value);
    }

    /// <summary>A method that records whether the capture had gradients (and gives a flat map).</summary>
    private sealed class GradientProbe : CamMethod
    {
        public bool SawGradients { get; private set; }

        public override string Name => "Probe";

        public override bool UsesGradients => false;

        protected internal override Tensor ComputeMaps(CamCapture capture, bool eigenSmooth)
        {
            try
            {
                SawGradients = capture.Gradients is not null;
            }
            catch (InvalidOperationException e) when (e.Message.StartsWith("No gradients were computed in this call", StringComparison.Ordinal))
            {
                SawGradients = false;
            }

            return zeros(capture.Activations.shape[0], capture.Activations.shape[2], capture.Activations.shape[3]);
        }
    }
}
