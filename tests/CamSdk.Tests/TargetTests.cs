using CamSdk.Internal;
using CamSdk.Methods;
using CamSdk.Targets;
using CamSdk.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace CamSdk.Tests;

/// <summary>
/// Targets users can write: one path scores the explained pass and every perturbed copy (Score-CAM, Ablation-CAM), so a
/// custom target is never replaced by its class; pytorch-grad-cam's SimilarityToConceptTarget and FinerWeightedTarget on
/// hand-computed answers.
/// </summary>
public sealed class TargetTests
{
    /// <summary>Class scores of three images over four classes, exactly representable.</summary>
    private static readonly double[,] Logits = { { 2.0, -1.0, 0.5, 1.0 }, { -0.5, 3.0, 0.25, -2.0 }, { 1.5, 1.5, -1.0, 0.0 } };

    [Fact]
    public void FinerWeightedTargetIsPytorchGradCamsWeightedDifferenceComputedByHand()
    {
        var target = new FinerWeightedTarget(mainClass: 0, comparisonClasses: [1, 3], alpha: 0.6);
        using var output = tensor(Logits, dtype: float64);
        using var scores = target.ScoreOutput(output);
        for (var n = 0; n < 3; n++)
        {
            // p = softmax(row); Σ_j p_j (s_0 − α s_j) / (Σ_j p_j + 1e-9), j ∈ {1, 3}
            var row = Enumerable.Range(0, 4).Select(c => Logits[n, c]).ToArray();
            var z = row.Sum(Math.Exp);
            var (p1, p3) = (Math.Exp(row[1]) / z, Math.Exp(row[3]) / z);
            var expected = ((p1 * (row[0] - (0.6 * row[1]))) + (p3 * (row[0] - (0.6 * row[3])))) / (p1 + p3 + 1e-9);
            Assert.Equal(expected, scores[n].item<double>(), 12);
        }

        Assert.Equal([0, 0, 0], target.ClassesOf(output));
        // α = 0 is the main class's logit (the weights cancel).
        using var plain = new FinerWeightedTarget(0, [1, 3], 0).ScoreOutput(output);
        Assert.Equal(Logits[2, 0], plain[2].item<double>(), 8);
        Assert.Throws<ArgumentException>(() => new FinerWeightedTarget(1, [1, 2], 1));
        Assert.Throws<ArgumentException>(() => new FinerWeightedTarget(1, [], 1));
    }

    [Fact]
    public void SimilarityToConceptTargetIsTheCosineOfEachEmbeddingWithTheConcept()
    {
        using var concept = tensor(new double[] { 1, 2, 2, 0 }, dtype: float64); // |c| = 3
        using var target = new SimilarityToConceptTarget(concept.reshape(1, 4, 1, 1));
        using var output = tensor(Logits, dtype: float64).reshape(3, 4, 1, 1); // a featurizer's N×D×1×1
        using var scores = target.ScoreOutput(output);
        for (var n = 0; n < 3; n++)
        {
            var row = Enumerable.Range(0, 4).Select(c => Logits[n, c]).ToArray();
            var dot = row[0] + (2 * row[1]) + (2 * row[2]);
            Assert.Equal(dot / (Math.Sqrt(row.Sum(v => v * v)) * 3), scores[n].item<double>(), 12);
        }

        Assert.Null(target.ClassesOf(output));
        using var wrong = zeros(3, 5);
        Assert.Contains("embed the concept with the same model", Assert.Throws<CamTargetException>(() => target.ScoreOutput(wrong)).Message);
    }

    public static TheoryData<string> CustomTargets => ["finer", "concept"];

    [Theory]
    [MemberData(nameof(CustomTargets))]
    public void EveryMethodExplainsACustomTargetThroughOnePathIncludingPerturbationRescoring(string kind)
    {
        manual_seed(19);
        var model = new SmallCnn(classes: 4);
        model.eval();
        using var input = randn(2, 3, 12, 12);
        using var concept = randn(4);
        CamTarget target = kind == "finer" ? new FinerWeightedTarget(2, [0, 3], 0.8) : new SimilarityToConceptTarget(concept);
        // The same score written by hand as a plain score function: every map must be the same, Score-CAM's and
        // Ablation-CAM's re-scored copies included.
        using var heldAlpha = 0.8.ToScalar();
        using var heldEpsilon = 1e-9.ToScalar();
        Func<Tensor, Tensor> byHand = kind == "finer"
            ? o =>
            {
                var p = o.softmax(-1);
                var (w0, w3) = (p.select(1, 0), p.select(1, 3));
                var numerator = (w0 * o.select(1, 2).sub(o.select(1, 0).mul(heldAlpha))).Plus(w3 * o.select(1, 2).sub(o.select(1, 3).mul(heldAlpha)));
                return numerator.div(w0.Plus(w3).Plus(heldEpsilon));
            }
            : o => nn.functional.cosine_similarity(o, concept.unsqueeze(0), 1);
        var explainer = new CamExplainer(model, model.features);
        CamMethod[] methods = [CamMethods.GradCam, CamMethods.HiResCam, new ScoreCam { BatchSize = 8 }, new AblationCam { BatchSize = 8 }];
        using var custom = explainer.Explain(input, methods, target);
        using var manual = explainer.Explain(input, methods, CamTarget.Score(byHand, "by hand"));
        for (var m = 0; m < methods.Length; m++)
        {
            Assert.True(Tensors.MaxAbsDifference(custom[m].Heatmaps, manual[m].Heatmaps) < 1e-6, $"{methods[m].Name}: {Tensors.MaxAbsDifference(custom[m].Heatmaps, manual[m].Heatmaps)}");
            Assert.True(Tensors.MaxAbsDifference(custom[m].Scores, manual[m].Scores) < 1e-6);
        }

        if (kind == "finer")
        {
            // Its class is the main class; yet Score-CAM re-scores its copies with the target, not with that class's logit.
            Assert.Equal([2, 2], custom[0].ClassIndices);
            using var asClass = explainer.Explain(input, [new ScoreCam { BatchSize = 8 }], CamTarget.Class(2));
            Assert.True(Tensors.MaxAbsDifference(custom[2].Heatmaps, asClass[0].Heatmaps) > 1e-3, "Score-CAM of the Finer target must differ from Score-CAM of its main class");
        }
    }

    [Fact]
    public void AWrittenTargetIsCheckedAsAScoreFunctionIs()
    {
        manual_seed(23);
        var model = new SmallCnn(classes: 3);
        using var input = randn(2, 3, 8, 8);
        var explainer = new CamExplainer(model, model.features);
        Assert.Contains("mixes images", Assert.Throws<CamTargetException>(() => explainer.Explain(input, new MixingTarget())).Message);
        var thrown = Assert.Throws<CamTargetException>(() => explainer.Explain(input, new ThrowingTarget()));
        Assert.IsType<InvalidOperationException>(thrown.InnerException);
        Assert.Contains("The target (throwing) threw InvalidOperationException", thrown.Message);
    }

    /// <summary>Scores each image by the batch's total: a target that mixes images.</summary>
    private sealed class MixingTarget : CamTarget
    {
        public override Tensor ScoreOutput(Tensor output) => output.select(1, 0).Plus(output.sum());
    }

    private sealed class ThrowingTarget : CamTarget
    {
        public override Tensor ScoreOutput(Tensor output) => throw new InvalidOperationException("no score here");

        public override string ToString() => "throwing";
    }
}
