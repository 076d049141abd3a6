using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using CamSdk.Datasets;
using CamSdk.Evaluation;
using CamSdk.Imaging;
using CamSdk.Localization;
using CamSdk.Models;
using Spectre.Console;

// CamSdk's main job: train a small CNN on seeded synthetic shapes (no download), explain held-out images with the whole
// CAM family, Guided Backpropagation and Guided Grad-CAM, measure the Grad-CAM paper's claims, and write a report.
//   dotnet run --project samples/CamSdk.Samples.Quickstart [-- --retrain] [-- --out DIR] [-- --images N --pairs N]
if (Arguments.Parse(args) is not { } arguments)
{
    return 2;
}

var clock = Stopwatch.StartNew();
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };

var options = new ShapesTrainingOptions { Retrain = arguments.Retrain };
TrainedShapesNet? trained = null, shuffled = null, watermarked = null;
EvaluationReport report = null!;
try
{
    AnsiConsole.Progress()
        .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
        .Start(context =>
        {
            var training = context.AddTask("Training ShapesNet", maxValue: 1);
            trained = ShapesNetTrainer.TrainOrLoad(options, new Inline<ShapesTrainingProgress>(p =>
            {
                training.MaxValue = p.Steps;
                training.Value = p.Step;
                training.Description = $"Training ShapesNet: epoch {p.Epoch}/{p.Epochs}, loss {p.Loss:F3}, accuracy {p.Accuracy:P1}";
            }), cancel.Token);
            training.Description = trained.FromCache ? "ShapesNet loaded from the cache" : "ShapesNet trained";
            training.Value = training.MaxValue;

            var stages = new[] { "localisation", "discrimination" }.ToDictionary(s => s, s => context.AddTask($"Explaining: {s}", maxValue: 1));
            report = ShapesEvaluation.Evaluate(trained, options, arguments.Images, arguments.Pairs, new Inline<EvaluationProgress>(p =>
            {
                var task = stages[p.Stage];
                task.MaxValue = p.Total;
                task.Value = p.Completed;
            }), cancel.Token);
            foreach (var task in stages.Values)
            {
                task.Value = task.MaxValue;
            }

            // Can the maps be trusted? Two more networks (shuffled labels; a watermark shortcut), then the checks.
            TrainedShapesNet Train(string name, ShapesTrainingOptions variant)
            {
                var task = context.AddTask($"Training ShapesNet {name}", maxValue: 1);
                var result = ShapesNetTrainer.TrainOrLoad(variant, new Inline<ShapesTrainingProgress>(p =>
                {
                    task.MaxValue = p.Steps;
                    task.Value = p.Step;
                    task.Description = $"Training ShapesNet {name}: epoch {p.Epoch}/{p.Epochs}, accuracy {p.Accuracy:P1}";
                }), cancel.Token);
                task.Description = result.FromCache ? $"ShapesNet {name} loaded from the cache" : $"ShapesNet {name} trained";
                task.Value = task.MaxValue;
                return result;
            }

            shuffled = Train("on shuffled labels", ShapesChecks.ShuffledLabelsOptions(options));
            watermarked = Train("with watermarks", ShapesChecks.WatermarkOptions(options));
            var checks = new[] { "original", "cascading", "independent", "labels", "faithfulness", "shortcut" }.ToDictionary(s => s, s => context.AddTask($"Checking: {(s == "original" ? "sanity, learned weights" : s)}", maxValue: 1));
            report = ShapesChecks.AddTo(report, trained, shuffled, watermarked, options, progress: new Inline<EvaluationProgress>(p =>
            {
                var task = checks[p.Stage];
                task.MaxValue = p.Total;
                task.Value = p.Completed;
            }), cancellationToken: cancel.Token);
            foreach (var task in checks.Values)
            {
                task.Value = task.MaxValue;
            }
        });
}
catch (OperationCanceledException)
{
    Console.WriteLine("Cancelled: nothing was written (and no half-trained weights were cached).");
    trained?.Dispose();
    shuffled?.Dispose();
    watermarked?.Dispose();
    return 1;
}
catch (CamSdk.CamException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    trained?.Dispose();
    shuffled?.Dispose();
    watermarked?.Dispose();
    return 2;
}

using var _ = trained;
using var __ = shuffled;
using var ___ = watermarked;

// The generated API: ShapesNet is declared with [ExplainLayer] and [ClassHead(typeof(ShapeKind))], so its explanations
// are typed by label and layer. Explain the first held-out star for the class Star, at the default layer:
var star = Enumerable.Range(SyntheticShapes.HeldOutStart, 1_000).Select(new SyntheticShapes(options.Seed, options.ImageSize).SingleObject).First(s => s.Label == ShapeKind.Star);
string starLine;
using (var input = ShapesNet.Preprocessor.ToTensor(star.Image))
using (var explanation = trained!.Model.Explain(input, ShapeKind.Star))
{
    var truth = star.Objects[0].Box;
    starLine = explanation.Localize() is { } box
        ? $"Grad-CAM of a held-out {explanation.ClassLabels![0]}: box {Show(box)} against the truth {Show(truth)}, IoU {box.IntersectionOverUnion(truth):F2}."
        : $"Grad-CAM of a held-out {explanation.ClassLabels![0]}: an empty map, no box.";
}

var (html, metrics) = report.WriteTo(arguments.Output);
var localization = report.Localization;
var gradCam = localization.Methods.First(m => m.Method == "gradcam");
var baseline = localization.Methods.First(m => m.Method == ExplanationEvaluator.CentredBoxKey);
Console.WriteLine();
Console.WriteLine($"ShapesNet {(trained.FromCache ? "loaded from the cache" : $"trained in {trained.Summary.TrainingSeconds:F0} s and cached")}; held-out accuracy {localization.Accuracy:P1} on {localization.Images:N0} images.");
Console.WriteLine(starLine);
Console.WriteLine($"Localisation on {localization.Images:N0} held-out images: Grad-CAM's top-1 error {gradCam.Top1Error:P1} (a centred box: {baseline.Top1Error:P1}), " +
    $"ground-truth-class error {gradCam.GroundTruthClassError:P1}, pointing game {gradCam.PointingGame:P1}.");
if (report.Discrimination is { } discrimination)
{
    var shares = discrimination.Methods.ToDictionary(m => m.Method);
    var (gradCamShares, guidedShares) = (shares["gradcam"], shares[ExplanationEvaluator.GuidedBackpropagationKey]);
    Console.WriteLine($"Two objects of different classes ({discrimination.Images:N0} images): Grad-CAM puts {gradCamShares.OwnBoxShare:P1} of a class's map in its own object's box " +
        $"and {gradCamShares.OtherBoxShare:P1} in the other's; Guided Backprop {guidedShares.OwnBoxShare:P1} and {guidedShares.OtherBoxShare:P1}.");
}

foreach (var verdict in report.Sanity!.Verdicts.Where(v => v.Method is "gradcam" or ExplanationEvaluator.GuidedBackpropagationKey))
{
    Console.WriteLine($"Sanity: {verdict.Text}");
}

var firstStep = report.Sanity.Steps[0];
Console.WriteLine($"Sanity, top layer ({firstStep.Layer}) alone re-initialised: Grad-CAM's rank correlation {firstStep.Similarity["gradcam"].SpearmanAbsolute:F2}, Guided Backprop's {firstStep.Similarity[ExplanationEvaluator.GuidedBackpropagationKey].SpearmanAbsolute:F2}.");
var labelStep = report.DataRandomization!.Check.Steps[0];
Console.WriteLine($"Shuffled labels (memorised to {report.DataRandomization.TrainingAccuracy:P1}): Grad-CAM's rank correlation with the real model's maps {labelStep.Similarity["gradcam"].SpearmanAbsolute:F2}.");
var faithful = report.Faithfulness!.Methods.ToDictionary(m => m.Method);
Console.WriteLine($"Faithfulness ({report.Faithfulness.Images} images): Grad-CAM deletion AUC {faithful["gradcam"].Deletion.Area:F3}, insertion AUC {faithful["gradcam"].Insertion.Area:F3}, ROAD combined {faithful["gradcam"].RoadCombined:F3}; " +
    $"Guided Backprop {faithful[ExplanationEvaluator.GuidedBackpropagationKey].Deletion.Area:F3}, {faithful[ExplanationEvaluator.GuidedBackpropagationKey].Insertion.Area:F3}, {faithful[ExplanationEvaluator.GuidedBackpropagationKey].RoadCombined:F3}.");
var (biased, unbiased) = (report.Shortcut!.Models[0], report.Shortcut.Models[1]);
Console.WriteLine($"Shortcut: Grad-CAM puts {biased.MassShare:P1} of its mass on the watermark for the watermark-trained network and {unbiased.MassShare:P1} for the main one " +
    $"(the watermark is {report.Shortcut.RegionShare:P1} of the image); without the watermark their accuracy is {biased.CleanAccuracy:P1} and {unbiased.CleanAccuracy:P1}.");
Console.WriteLine($"Report:  {html}");
Console.WriteLine($"Metrics: {metrics}");
Console.WriteLine($"Done in {clock.Elapsed.TotalSeconds:F0} s.");
return 0;

static string Show(BoundingBox box) => $"({box.Left}, {box.Top})–({box.Right}, {box.Bottom})";

/// <summary>The main job's optional arguments.</summary>
internal sealed record Arguments(bool Retrain, string Output, int Images, int Pairs)
{
    /// <summary>The arguments, or null (with the reason printed) when they are wrong.</summary>
    internal static Arguments? Parse(string[] args)
    {
        var result = new Arguments(false, "out", 1_000, 200);
        for (var i = 0; i < args.Length; i++)
        {
            int? Count(int minimum) => i + 1 < args.Length && int.TryParse(args[++i], System.Globalization.CultureInfo.InvariantCulture, out var n) && n >= minimum ? n : null;
            Arguments? next = args[i] switch
            {
                "--retrain" => result with { Retrain = true },
                "--out" when i + 1 < args.Length => result with { Output = args[++i] },
                "--images" => Count(1) is { } images ? result with { Images = images } : null,
                "--pairs" => Count(0) is { } pairs ? result with { Pairs = pairs } : null,
                _ => null,
            };
            if (next is null)
            {
                Console.Error.WriteLine($"Cannot use '{string.Join(' ', args)}'. Options: --retrain, --out DIR, --images N (at least 1), --pairs N (at least 0).");
                return null;
            }

            result = next;
        }

        return result;
    }
}

/// <summary>Reports progress on the calling thread (<see cref="Progress{T}"/> would post to the thread pool, and a late report could land after its bar finished).</summary>
internal sealed class Inline<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
