using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using CamSdk.Shapes;
using CamSdk.Evaluation;
using CamSdk.Imaging;
using CamSdk.Methods;
using CamSdk.Models;
using Spectre.Console;
using TorchSharp;
using static TorchSharp.torch;

namespace CamSdk.Cli;

/// <summary>
/// Runs <c>camsdk sanity</c> (model randomisation, cascading and independent) and <c>camsdk faithfulness</c> (deletion,
/// insertion, confidence change, ROAD) for a zoo architecture with the user's weights and images, or for the built-in
/// ShapesNet on held-out shapes.
/// </summary>
internal sealed class CheckRunner(Terminal terminal)
{
    /// <summary>The model, its explained layer, how to build another of it, the images and the methods.</summary>
    private sealed record Subject(nn.Module<Tensor, Tensor> Model, nn.Module<Tensor, Tensor> Layer, Func<nn.Module<Tensor, Tensor>> Create, RgbImage[] Images, ImagePreprocessor Preprocessor, IReadOnlyList<CamMethod> Methods, string Name) : IDisposable
    {
        public void Dispose() => Model.Dispose();
    }

    internal int Sanity(CheckSettings settings, CancellationToken cancellationToken)
    {
        SanityCheckResult result = null!;
        string name = "";
        Run(settings, ShapesChecks.SanityMethods, (subject, progress) =>
        {
            name = subject.Name;
            using var scope = NewDisposeScope();
            var device = subject.Model.parameters().FirstOrDefault()?.device ?? CPU;
            var images = subject.Preprocessor.ToBatch(subject.Images).to(device);
            var options = new SanityCheckOptions { CreateModel = subject.Create, Seed = settings.Seed, Blocks = settings.Blocks };
            result = SanityCheck.Run(subject.Model, subject.Layer, images, subject.Methods, options, progress, cancellationToken);
        }, cancellationToken);

        var files = result.WriteTo(settings.Out);
        var table = new Table().AddColumns("method", "rank corr. (abs.), all random", "SSIM", "HOG", "passes");
        var last = result.Steps.LastOrDefault(s => s.Randomization == SanityRandomization.Cascading) ?? result.Steps[^1];
        foreach (var verdict in result.Verdicts)
        {
            var s = last.Similarity[verdict.MethodKey];
            table.AddRow(verdict.MethodKey, Number(s.SpearmanAbsolute), Number(s.Ssim), Number(s.Hog), verdict.Passes ? "[green]yes[/]" : "[red]no[/]");
        }

        terminal.Out.Write(table);
        foreach (var verdict in result.Verdicts)
        {
            terminal.Out.MarkupLineInterpolated($"{(verdict.Passes ? "[green]✔[/]" : "[red]✘[/]")} {verdict.Text}");
        }

        terminal.Out.MarkupLineInterpolated($"Sanity checks of {name} on {result.Images} images, {result.Layers.Count} layers: {files.Count} files in [bold]{System.IO.Path.GetFullPath(settings.Out)}[/] (sanity.csv, sanity.json, plots, maps/).");
        return 0;
    }

    internal int Faithfulness(CheckSettings settings, CancellationToken cancellationToken)
    {
        var deletion = Baseline(settings.DeletionBaseline, "--deletion-baseline");
        var insertion = Baseline(settings.InsertionBaseline, "--insertion-baseline");
        var score = settings.Score.ToLowerInvariant() switch
        {
            "probability" => FaithfulnessScore.Probability,
            "logit" => FaithfulnessScore.Logit,
            _ => throw new CamException($"--score must be probability or logit (got '{settings.Score}')."),
        };
        if (settings.Step is < 1 || !(settings.Noise >= 0))
        {
            throw new CamException($"--step must be at least 1 and --noise at least 0 (got {settings.Step}, {settings.Noise}).");
        }

        FaithfulnessEvaluation result = null!;
        string name = "";
        Run(settings, null, (subject, progress) =>
        {
            name = subject.Name;
            var evaluator = new FaithfulnessEvaluator(subject.Model, subject.Layer, subject.Methods, subject.Preprocessor)
            {
                Step = settings.Step,
                DeletionBaseline = deletion,
                InsertionBaseline = insertion,
                Score = score,
                Noise = settings.Noise,
                Seed = settings.Seed,
            };
            result = evaluator.Evaluate(subject.Images, progress, cancellationToken);
        }, cancellationToken);

        var files = result.WriteTo(settings.Out);
        var table = new Table().AddColumns("method", "deletion AUC ↓", "insertion AUC ↑", "confidence change", "ROAD combined ↑");
        foreach (var m in result.Methods)
        {
            table.AddRow(m.MethodKey, Number(m.Deletion.Area), Number(m.Insertion.Area), Number(m.ConfidenceChange), Number(m.RoadCombined));
        }

        terminal.Out.Write(table);
        terminal.Out.MarkupLineInterpolated($"Faithfulness of {name} on {result.Images} images ({result.Settings}): {files.Count} files in [bold]{System.IO.Path.GetFullPath(settings.Out)}[/].");
        return 0;
    }

    /// <summary>Loads the subject with progress bars, and runs the check with a bar per stage.</summary>
    private void Run(CheckSettings settings, IReadOnlyList<CamMethod>? builtInMethods, Action<Subject, IProgress<CamProgress>> check, CancellationToken cancellationToken)
    {
        if (settings.Images < 1)
        {
            throw new CamException($"--images must be at least 1 (got {settings.Images}).");
        }

        ModelLoading.SetThreads(settings.Threads);
        var device = ModelLoading.ResolveDevice(settings.Device, terminal);

        OutputFolder.Prepare(settings.Out);
        terminal.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                using var subject = settings.Arch is null ? BuiltIn(settings, builtInMethods, device, context, cancellationToken) : Zoo(settings, builtInMethods, device);
                var stages = new Dictionary<string, ProgressTask>();
                check(subject, new InlineProgress<CamProgress>(p =>
                {
                    if (!stages.TryGetValue(p.Stage, out var task))
                    {
                        stages[p.Stage] = task = context.AddTask($"Checking: {p.Stage}", maxValue: p.Total);
                    }

                    task.Value = p.Completed;
                }));
                foreach (var task in stages.Values)
                {
                    task.Value = task.MaxValue;
                }
            });
    }

    private static Subject BuiltIn(CheckSettings settings, IReadOnlyList<CamMethod>? builtInMethods, torch.Device device, ProgressContext context, CancellationToken cancellationToken)
    {
        if (settings.Weights is not null || settings.Layer is not null || settings.Image.Length > 0)
        {
            throw new CamException("--weights, --layer and --image go with --arch: without --arch, the check runs on the built-in ShapesNet (trained or loaded from the cache) and held-out shapes.");
        }

        var options = new ShapesTrainingOptions();
        var model = ModelLoading.TrainBuiltIn(context, options, device, cancellationToken).Model;

        var data = new SyntheticShapes(options.Seed, options.ImageSize);
        var images = Enumerable.Range(SyntheticShapes.HeldOutStart, settings.Images).Select(i => data.SingleObject(i).Image).ToArray();
        var methods = settings.Method is { } list ? MethodNames.CamFamily(list, () => model.Classifier) : builtInMethods ?? ShapesEvaluation.Methods(model);
        return new Subject(model, model.GetLayer(ShapesNet.Layers.Layer4), () => new ShapesNet(), images, ShapesNet.Preprocessor, methods, "the built-in ShapesNet");
    }

    private Subject Zoo(CheckSettings settings, IReadOnlyList<CamMethod>? builtInMethods, torch.Device device)
    {
        var architecture = Architecture.Find(settings.Arch!);
        if (settings.Weights is null)
        {
            throw new CamException($"--arch {architecture.Name} needs --weights: checking a model with random weights tells nothing.");
        }

        if (settings.Image.Length == 0)
        {
            throw new CamException("Give the images to check with --image (files or folders).");
        }

        var preprocessor = Inputs.Preprocessor(settings.Resize, settings.Crop);
        var (model, classCount) = ModelLoading.Load(terminal, architecture, settings.Weights, device);
        try
        {
            var images = Inputs.ImageFiles(settings.Image, terminal).Take(settings.Images).Select(RgbImage.Load).ToArray();
            var layer = architecture.FindLayer(model, settings.Layer ?? architecture.DefaultLayer(model));
            var methods = settings.Method is null && builtInMethods is not null ? builtInMethods : architecture.Methods(settings.Method, model);

            return new Subject(model, layer, () => architecture.Create(classCount), images, preprocessor, methods, $"{architecture.Name} with {System.IO.Path.GetFileName(settings.Weights)}");
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    private static PerturbationBaseline Baseline(string name, string option) => name.ToLowerInvariant() switch
    {
        "blur" => PerturbationBaseline.Blur,
        "zero" => PerturbationBaseline.Zero,
        "mean" => PerturbationBaseline.Mean,
        _ => throw new CamException($"{option} must be blur, zero or mean (got '{name}')."),
    };

    private static string Number(double value) => double.IsFinite(value) ? value.ToString("F3", CultureInfo.InvariantCulture) : "–";
}
