using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
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
/// Runs <c>camsdk evaluate</c>: the main job's evaluation (localisation, pointing game, class discrimination, report) for the
/// built-in ShapesNet or a zoo architecture with the user's weights, on the built-in dataset or a dataset folder.
/// </summary>
internal sealed class EvaluateRunner(Terminal terminal)
{
    /// <summary>Exit codes: 0 done, 2 the request is invalid (the message says why).</summary>
    internal int Run(EvaluateSettings settings, CancellationToken cancellationToken)
    {
        if (settings.Images < 1 || settings.Pairs < 0 || settings.BatchSize < 1)
        {
            throw new CamException($"--images and --batch-size must be at least 1 and --pairs at least 0 (got {settings.Images}, {settings.BatchSize}, {settings.Pairs}).");
        }

        ModelLoading.SetThreads(settings.Threads);

        if (settings.Arch is null && (settings.Weights is not null || settings.Labels is not null || settings.Layer is not null))
        {
            throw new CamException("--weights, --labels and --layer go with --arch: without --arch, evaluate trains (or loads) the built-in ShapesNet.");
        }

        var device = ModelLoading.ResolveDevice(settings.Device, terminal);
        var shard = settings.Shard is { } text ? EvaluationShard.Parse(text) : null;
        OutputFolder.Prepare(settings.Out);
        EvaluationReport? report = null;
        EvaluationPart? part = null;
        var options = new ShapesTrainingOptions { Retrain = settings.Retrain };
        terminal.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                var stages = new Dictionary<string, ProgressTask>();
                var progress = new InlineProgress<CamProgress>(p =>
                {
                    if (!stages.TryGetValue(p.Stage, out var task))
                    {
                        stages[p.Stage] = task = context.AddTask($"Explaining and measuring: {p.Stage}", maxValue: Math.Max(1, p.Total));
                    }

                    task.Value = p.Completed;
                });
                var plan = settings.Arch is null ? BuiltIn(settings, options, device, context, cancellationToken) : Zoo(settings, options, device);
                using (plan.Owned)
                {
                    if (shard is null)
                    {
                        var localization = plan.Evaluator.EvaluateLocalization(plan.Set.SingleObjectImages, progress, cancellationToken);
                        var discrimination = plan.Set.TwoObjectImages.Count > 0 ? plan.Evaluator.EvaluateDiscrimination(plan.Set.TwoObjectImages, progress, cancellationToken) : null;
                        report = plan.Report(localization, discrimination);
                    }
                    else
                    {
                        part = plan.Evaluator.EvaluatePart(plan.Set, shard, plan.Identity(), plan.Report, progress, cancellationToken);
                    }
                }

                foreach (var task in stages.Values)
                {
                    task.Value = task.MaxValue;
                }
            });

        if (part is not null)
        {
            var path = Path.Combine(settings.Out, $"part-{part.Shard.Index}-of-{part.Shard.Count}.json");
            part.Write(path);
            var (one, two) = (part.Localization, part.Discrimination);
            var pairs = two is null ? "." : string.Create(CultureInfo.InvariantCulture, $", two-object images {two.Start + 1} to {two.End} of {two.Total}.");
            terminal.Out.MarkupLineInterpolated($"Part {part.Shard}: one-object images {one.Start + 1} to {one.End} of {one.Total}{pairs}");
            terminal.Out.MarkupLineInterpolated($"Part:    [bold]{path}[/]");
            terminal.Out.MarkupLineInterpolated($"When every part is done: camsdk merge OUT part-*-of-{part.Shard.Count}.json");
            return 0;
        }

        Print(terminal, report!, settings.Out);
        return 0;
    }

    /// <summary>
    /// Runs <c>camsdk merge OUT PART…</c>: the parts that <c>camsdk evaluate --shard</c> wrote, combined into the report.html
    /// and metrics.json of the whole run.
    /// </summary>
    internal int Merge(string output, IReadOnlyList<string> partFiles)
    {
        if (partFiles.Count == 0)
        {
            throw new CamException("Give the part files to merge: camsdk merge OUT part-*-of-N.json.");
        }

        var parts = partFiles.Select(EvaluationPart.Read).ToArray();
        var report = EvaluationPart.Merge(parts);
        OutputFolder.Prepare(output);
        Print(terminal, report, output);
        return 0;
    }

    /// <summary>Writes the report and prints its localisation table and where the files went.</summary>
    private static void Print(Terminal terminal, EvaluationReport report, string output)
    {
        var (html, metrics) = report.WriteTo(output);
        var table = new Table().AddColumns("method", "top-1 loc. error", "GT-class loc. error", "pointing game");
        foreach (var method in report.Localization.Methods)
        {
            table.AddRow(method.MethodKey, Percent(method.Top1Error), Percent(method.GroundTruthClassError), Percent(method.PointingGame));
        }

        terminal.Out.Write(table);
        terminal.Out.MarkupLineInterpolated($"Accuracy {report.Localization.Accuracy:P1} on {report.Localization.Images:N0} images.");
        terminal.Out.MarkupLineInterpolated($"Report:  [bold]{html}[/]");
        terminal.Out.MarkupLineInterpolated($"Metrics: [bold]{metrics}[/]");
    }

    /// <summary>What an evaluation runs: the evaluator, the images, how its report is made, what it is of (for parts), and what to dispose after.</summary>
    private sealed record Plan(
        LocalizationEvaluator Evaluator,
        EvaluationSet Set,
        Func<LocalizationEvaluation, DiscriminationEvaluation?, EvaluationReport> Report,
        Func<KeyValuePair<string, string>[]> Identity,
        IDisposable Owned);

    private static Plan BuiltIn(EvaluateSettings settings, ShapesTrainingOptions options, torch.Device device, ProgressContext context, CancellationToken cancellationToken)
    {
        var trained = ModelLoading.TrainBuiltIn(context, options, device, cancellationToken);
        try
        {
            var set = settings.Data is null ? ShapesEvaluation.BuiltInSet(options, settings.Images, settings.Pairs) : Folder(settings, SyntheticShapes.ClassNames);
            var dataset = settings.Data ?? ShapesEvaluation.DatasetName(options);
            var methods = settings.Method is null ? null : MethodNames.CamFamily(settings.Method, () => trained.Model.Classifier);
            return new Plan(
                ShapesEvaluation.Evaluator(trained, methods, settings.BatchSize, settings.Preparation),
                set,
                ShapesEvaluation.Report(trained, options, dataset),
                () => Identity($"ShapesNet, cache key {ShapesNetTrainer.CacheKey(options)}", trained.WeightsPath, "layer4", set, device),
                trained);
        }
        catch
        {
            trained.Dispose();
            throw;
        }
    }

    private Plan Zoo(EvaluateSettings settings, ShapesTrainingOptions options, torch.Device device)
    {
        var architecture = Architecture.Find(settings.Arch!);
        if (settings.Weights is null)
        {
            throw new CamException($"evaluate --arch {architecture.Name} needs --weights: a model with random weights explains nothing worth measuring.");
        }

        var (model, classCount) = ModelLoading.Load(terminal, architecture, settings.Weights, device);
        try
        {
            if (settings.Data is null && classCount != SyntheticShapes.ClassCount)
            {
                throw new CamException(
                    $"Without --data, evaluate uses the built-in shapes, whose {SyntheticShapes.ClassCount} classes are {string.Join(", ", SyntheticShapes.ClassNames)}; these weights have {classCount} classes. " +
                    "Give --data with a folder of your images (see the README), or weights trained on the shapes.");
            }

            var classNames = ModelLoading.ReadLabels(settings.Labels, classCount)
                ?? (settings.Data is null ? SyntheticShapes.ClassNames : [.. Enumerable.Range(0, classCount).Select(i => i.ToString(CultureInfo.InvariantCulture))]);
            var set = settings.Data is null ? ShapesEvaluation.BuiltInSet(options, settings.Images, settings.Pairs) : Folder(settings, classNames);
            var layerName = settings.Layer ?? architecture.DefaultLayer(model);
            var methods = architecture.Methods(settings.Method, model);

            // ImageNet's normalisation, and no resizing: boxes are in the images' own pixels.
            var evaluator = new LocalizationEvaluator(model, architecture.FindLayer(model, layerName), methods, new ImagePreprocessor()) { BatchSize = settings.BatchSize, Preparation = settings.Preparation };
            EvaluationReport Report(LocalizationEvaluation localization, DiscriminationEvaluation? discrimination) => new()
            {
                Title = $"CamSdk: {architecture.Name} explained and measured",
                Model = $"{architecture.Name} ({classCount} classes) with the weights {Path.GetFileName(settings.Weights)}",
                Layer = layerName,
                Dataset = settings.Data ?? ShapesEvaluation.DatasetName(options),
                ClassNames = classNames,
                Localization = localization,
                Discrimination = discrimination,
                Facts = [new("Weights", Path.GetFullPath(settings.Weights)), new("Preprocessing", "ImageNet mean and standard deviation, no resizing")],
            };

            return new Plan(evaluator, set, Report, () => Identity($"{architecture.Name}, {classCount} classes", settings.Weights, layerName, set, device), model);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// What an evaluation is of, for a merge to check that parts belong together: the model, its weights' SHA-256, the
    /// layer, the images (their names, classes and boxes, in order) and the kind of device.
    /// </summary>
    private static KeyValuePair<string, string>[] Identity(string model, string weights, string layer, EvaluationSet set, torch.Device device)
    {
        string weightsHash;
        using (var stream = Internal.UserFiles.OpenRead(weights, "weights file", m => new CamException(m)))
        {
            weightsHash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(stream));
        }

        var images = new System.Text.StringBuilder();
        foreach (var image in set.SingleObjectImages.Concat(set.TwoObjectImages))
        {
            images.Append(image.Name).Append('|');
            foreach (var o in image.Objects)
            {
                images.Append(CultureInfo.InvariantCulture, $"{o.ClassIndex}:{o.Box.Left},{o.Box.Top},{o.Box.Right},{o.Box.Bottom};");
            }

            images.Append('\n');
        }

        return
        [
            new("model", model),
            new("weights (SHA-256)", weightsHash),
            new("layer", layer),
            new("images (SHA-256 of names, classes and boxes)", Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(images.ToString())))),
            new("device", device.type.ToString().ToLowerInvariant()),
        ];
    }

    private static EvaluationSet Folder(EvaluateSettings settings, IReadOnlyList<string> classNames)
    {
        var set = EvaluationFolder.Load(settings.Data!, classNames);
        return new EvaluationSet([.. set.SingleObjectImages.Take(settings.Images)], [.. set.TwoObjectImages.Take(settings.Pairs)]);
    }

    private static string Percent(double value) => value.ToString("P1", CultureInfo.InvariantCulture);
}
