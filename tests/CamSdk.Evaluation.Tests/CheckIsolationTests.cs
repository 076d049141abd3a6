using CamSdk.Guided;
using System.Text.Json.Nodes;
using CamSdk.Evaluation;
using CamSdk.Methods;
using CamSdk.Tests.Support;
using TorchSharp.Modules;
using static TorchSharp.torch;
using CamSdk.Shapes;

namespace CamSdk.Tests;

/// <summary>
/// conv → ReLU module → conv → ReLU → conv → mean → linear, whose second ReLU is a module while the head's weights are
/// large and a functional ReLU once they are small: Guided Backpropagation works with the trained (scaled) head and is
/// refused on any copy whose head has been re-initialised.
/// </summary>
public sealed class HeadDependentGuidanceNet : nn.Module<Tensor, Tensor>
{
    public readonly Conv2d conv1 = nn.Conv2d(3, 8, 3, padding: 1);
    public readonly ReLU relu1 = nn.ReLU();
    public readonly Conv2d conv2 = nn.Conv2d(8, 8, 3, padding: 1);
    public readonly ReLU relu2 = nn.ReLU();
    public readonly Conv2d conv3 = nn.Conv2d(8, 8, 3, padding: 1);
    public readonly Linear fc = nn.Linear(8, 3);

    public HeadDependentGuidanceNet() : base(nameof(HeadDependentGuidanceNet)) => RegisterComponents();

    public override Tensor forward(Tensor input)
    {
        var x = conv2.call(relu1.call(conv1.call(input)));
        bool large;
        using (no_grad())
        {
            large = fc.weight!.abs().max().item<float>() > 5;
        }

        x = large ? relu2.call(x) : x.relu();
        return fc.call(conv3.call(x).mean([2L, 3L]));
    }
}

/// <summary>CamSdk's own checks never end a job: a method that cannot be computed at one step is reported there, and every other figure stands.</summary>
public sealed class CheckIsolationTests
{
    [Fact]
    public void AMethodThatFailsOnlyOnRandomisedCopiesIsReportedPerStepAndTheCheckFinishes()
    {
        manual_seed(8);
        var model = new HeadDependentGuidanceNet();
        using (no_grad())
        {
            model.fc.weight!.mul_(Internal.Scalars.Of(100.0));
        }

        using var images = randn(3, 3, 16, 16);
        var result = SanityCheck.Run(model, model.conv3, images, [CamMethods.GradCam, CamMethods.EigenCam], new SanityCheckOptions { CreateModel = () => new HeadDependentGuidanceNet() });

        var layers = result.Layers;
        Assert.Equal(["fc", "conv3", "conv2", "conv1"], layers);
        foreach (var step in result.Steps)
        {
            // Guided Backpropagation fails exactly where the head is random: every cascading step, and the head's own independent step.
            var headRandom = step.Randomization == SanityRandomization.Cascading || step.Layer == "fc";
            foreach (var key in new[] { GuidedBackpropagation.Key, GuidedBackpropagation.GuidedGradCamKey })
            {
                var similarity = step.Similarity[key];
                Assert.Equal(headRandom, similarity.Failure is not null);
                Assert.Equal(headRandom, double.IsNaN(similarity.SpearmanAbsolute));
            }

            Assert.Contains("apply ReLUs functionally", step.Similarity[GuidedBackpropagation.Key].Failure ?? "apply ReLUs functionally");
            foreach (var key in new[] { "gradcam", "eigencam" })
            {
                Assert.Null(step.Similarity[key].Failure);
                Assert.InRange(step.Similarity[key].SpearmanAbsolute, -1, 1);
            }
        }

        var verdicts = result.Verdicts.ToDictionary(v => v.MethodKey);
        Assert.Null(verdicts["gradcam"].Failure);
        Assert.NotNull(verdicts[GuidedBackpropagation.Key].Failure);
        Assert.False(verdicts[GuidedBackpropagation.Key].Passes);
        Assert.Contains("could not be checked", verdicts[GuidedBackpropagation.Key].Text);

        // The report says which method failed at which step, and keeps every other figure.
        var report = MinimalReport() with { Sanity = result };
        var problems = report.Problems;
        Assert.Equal(2 * (layers.Count + 1), problems.Count);
        Assert.Contains(problems, p => p.Section == "sanity" && p.MethodKey == GuidedBackpropagation.Key && p.Step == "cascading, depth 1 (fc)");
        Assert.Contains(problems, p => p.Step == "independent, depth 1 (fc)");
        Assert.DoesNotContain(problems, p => p.Step == "independent, depth 2 (conv3)");
        var html = report.ToHtml();
        Assert.Contains("id=\"problem-list\"", html);
        Assert.Contains("sanity, Guided Backprop, cascading, depth 4 (conv1)", html);
        var json = JsonNode.Parse(report.ToMetricsJson())!;
        Assert.Equal(problems.Count, json["problems"]!.AsArray().Count);
        var first = json["sanity"]!["model_randomization"]!["cascading"]![0]!["methods"]!;
        Assert.Null(first["guided-backprop"]!["spearman_abs"]);
        Assert.Contains("could not be computed with fc re-initialised", first["guided-backprop"]!["failure"]!.GetValue<string>());
        Assert.NotNull(first["gradcam"]!["spearman_abs"]);
    }

    [Fact]
    public void ACheckThatCannotRunIsListedAndTheReportStands()
    {
        var skipped = new List<EvaluationProblem>();
        Assert.Null(ShapesChecks.Attempt<SanityCheckResult>(skipped, "sanity", () => throw new CamModelException("the model cannot be copied")));
        Assert.Equal("ok", ShapesChecks.Attempt(skipped, "faithfulness", () => "ok"));
        Assert.Throws<OperationCanceledException>(() => ShapesChecks.Attempt<string>(skipped, "shortcut", () => throw new OperationCanceledException()));

        var report = MinimalReport() with { SkippedChecks = skipped };
        Assert.Equal([new EvaluationProblem("sanity", null, null, "the model cannot be copied")], report.Problems);
        Assert.Contains("<b>sanity</b>: the model cannot be copied", report.ToHtml());
        Assert.Equal("the model cannot be copied", JsonNode.Parse(report.ToMetricsJson())!["problems"]![0]!["reason"]!.GetValue<string>());
    }

    [Fact]
    public void AMethodThatFailsInTheEvaluationHasNoFiguresAndTheOthersStand()
    {
        var methods = new[]
        {
            new MethodLocalization("gradcam", 0.25, 0.25, 0.75, 4),
            new MethodLocalization("scorecam", double.NaN, double.NaN, double.NaN, 4) { Failure = "out of memory", MethodName = "ScoreCAM" },
        };
        var report = MinimalReport() with { Localization = new LocalizationEvaluation(methods, 1.0, 4, (10, 10), [], [], 0) };
        var json = JsonNode.Parse(report.ToMetricsJson())!["localization"]!["methods"]!;
        Assert.Equal(0.25, json["gradcam"]!["top1_localization_error"]!.GetValue<double>());
        Assert.Null(json["scorecam"]!["top1_localization_error"]);
        Assert.Equal("out of memory", json["scorecam"]!["failure"]!.GetValue<string>());
        var html = report.ToHtml();
        Assert.Contains("not computed: out of memory", html);
        Assert.Contains("<b>localization, ScoreCAM</b>: out of memory", html);
    }

    private static EvaluationReport MinimalReport() => new()
    {
        Title = "test",
        Model = "test model",
        Layer = "conv3",
        Dataset = "random",
        ClassNames = ["a", "b", "c"],
        Localization = new LocalizationEvaluation([new MethodLocalization("gradcam", 0.5, 0.5, 0.5, 4)], 1.0, 4, (10, 10), [], [], 0),
    };
}
