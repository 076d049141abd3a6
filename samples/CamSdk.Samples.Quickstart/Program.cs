using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using CamSdk;
using CamSdk.Shapes;
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

MainJobResult job;
try
{
    job = AnsiConsole.Progress()
        .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
        .Start(context =>
        {
            // One bar per task of the job, in the order the tasks start.
            var bars = new System.Collections.Generic.Dictionary<string, ProgressTask>();
            return ShapesMainJob.Run(arguments.Job, new Inline<CamProgress>(p =>
            {
                if (!bars.TryGetValue(p.Stage, out var bar))
                {
                    bars[p.Stage] = bar = context.AddTask(p.Detail ?? p.Stage, maxValue: Math.Max(1, p.Total));
                }

                bar.MaxValue = Math.Max(1, p.Total);
                bar.Value = p.Completed;
                bar.Description = p.Detail ?? p.Stage;
            }), cancel.Token);
        });
}
catch (OperationCanceledException)
{
    Console.WriteLine("Cancelled: nothing was written (and no half-trained weights were cached).");
    return 1;
}
catch (CamSdk.CamException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 2;
}

using var _ = job;
var (trained, report) = (job.Trained, job.Report);

// The generated API: ShapesNet is declared with [ExplainLayer] and [ClassHead(typeof(ShapeKind))], so its explanations
// are typed by label and layer. Explain the first held-out star for the class Star, at the default layer:
var options = arguments.Job.Training;
var star = Enumerable.Range(SyntheticShapes.HeldOutStart, 1_000).Select(new SyntheticShapes(options.Seed, options.ImageSize).SingleObject).First(s => s.Label == ShapeKind.Star);
string starLine;
using (var input = ShapesNet.Preprocessor.ToTensor(star.Image))
using (var explanation = trained.Model.Explain(input, ShapeKind.Star))
{
    var truth = star.Objects[0].Box;
    starLine = explanation.Localize() is { } box
        ? $"Grad-CAM of a held-out {explanation.ClassLabels![0]}: box {Show(box)} against the truth {Show(truth)}, IoU {box.IntersectionOverUnion(truth):F2}."
        : $"Grad-CAM of a held-out {explanation.ClassLabels![0]}: an empty map, no box.";
}

var (html, metrics) = report.WriteTo(arguments.Output);
Console.WriteLine();
foreach (var line in MainJobSummary.Lines(job, starLine))
{
    Console.WriteLine(line);
}

Console.WriteLine($"Report:  {html}");
Console.WriteLine($"Metrics: {metrics}");
Console.WriteLine($"Done in {clock.Elapsed.TotalSeconds:F0} s.");
return 0;

static string Show(BoundingBox box) => $"({box.Left}, {box.Top})–({box.Right}, {box.Bottom})";

/// <summary>The main job's optional arguments.</summary>
internal sealed record Arguments(string Output, MainJobOptions Job)
{
    private const string Usage =
        "Options: --retrain, --out DIR, --images N (at least 1), --pairs N (at least 0), and to run it smaller: --training-images N, --epochs N, --check-images N (each at least 1).";

    /// <summary>The arguments, or null (with the reason printed) when they are wrong.</summary>
    internal static Arguments? Parse(string[] args)
    {
        var result = new Arguments("out", new MainJobOptions());
        for (var i = 0; i < args.Length; i++)
        {
            int? Count(int minimum) => i + 1 < args.Length && int.TryParse(args[++i], System.Globalization.CultureInfo.InvariantCulture, out var n) && n >= minimum ? n : null;
            var job = result.Job;
            Arguments? next = args[i] switch
            {
                "--retrain" => result with { Job = job with { Training = job.Training with { Retrain = true } } },
                "--out" when i + 1 < args.Length => result with { Output = args[++i] },
                "--images" => Count(1) is { } images ? result with { Job = job with { Images = images } } : null,
                "--pairs" => Count(0) is { } pairs ? result with { Job = job with { Pairs = pairs } } : null,
                "--training-images" => Count(1) is { } training ? result with { Job = job with { Training = job.Training with { TrainingImages = training } } } : null,
                "--epochs" => Count(1) is { } epochs ? result with { Job = job with { Training = job.Training with { Epochs = epochs } } } : null,
                "--check-images" => Count(1) is { } check ? result with { Job = job with { SanityImages = check, FaithfulnessImages = check, ShortcutImages = check } } : null,
                _ => null,
            };
            if (next is null)
            {
                Console.Error.WriteLine($"Cannot use '{string.Join(' ', args)}'. {Usage}");
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
