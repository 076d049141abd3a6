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
        OutputFolder.Prepare(settings.Out);
        EvaluationReport report = null!;
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
                        stages[p.Stage] = task = context.AddTask($"Explaining and measuring: {p.Stage}", maxValue: p.Total);
                    }

                    task.Value = p.Completed;
                });
                report = settings.Arch is null
                    ? BuiltIn(settings, options, device, context, progress, cancellationToken)
                    : Zoo(settings, options, device, progress, cancellationToken);
                foreach (var task in stages.Values)
                {
                    task.Value = task.MaxValue;
                }
            });

        var (html, metrics) = report.WriteTo(settings.Out);
        var table = new Table().AddColumns("method", "top-1 loc. error", "GT-class loc. error", "pointing game");
        foreach (var method in report.Localization.Methods)
        {
            table.AddRow(method.MethodKey, Percent(method.Top1Error), Percent(method.GroundTruthClassError), Percent(method.PointingGame));
        }

        terminal.Out.Write(table);
        terminal.Out.MarkupLineInterpolated($"Accuracy {report.Localization.Accuracy:P1} on {report.Localization.Images:N0} images.");
        terminal.Out.MarkupLineInterpolated($"Report:  [bold]{html}[/]");
        terminal.Out.MarkupLineInterpolated($"Metrics: [bold]{metrics}[/]");
        return 0;
    }

    private static EvaluationReport BuiltIn(EvaluateSettings settings, ShapesTrainingOptions options, torch.Device device, ProgressContext context, IProgress<CamProgress> progress, CancellationToken cancellationToken)
    {
        using var trained = ModelLoading.TrainBuiltIn(context, options, device, cancellationToken);
        var set = settings.Data is null ? ShapesEvaluation.BuiltInSet(options, settings.Images, settings.Pairs) : Folder(settings, SyntheticShapes.ClassNames);
        var dataset = settings.Data ?? ShapesEvaluation.DatasetName(options);
        var methods = settings.Method is null ? null : MethodNames.CamFamily(settings.Method, () => trained.Model.Classifier);

        return ShapesEvaluation.Evaluate(trained, options, set, dataset, methods, settings.BatchSize, progress, cancellationToken);
    }

    private EvaluationReport Zoo(EvaluateSettings settings, ShapesTrainingOptions options, torch.Device device, IProgress<CamProgress> progress, CancellationToken cancellationToken)
    {
        var architecture = Architecture.Find(settings.Arch!);
        if (settings.Weights is null)
        {
            throw new CamException($"evaluate --arch {architecture.Name} needs --weights: a model with random weights explains nothing worth measuring.");
        }

        var (model, classCount) = ModelLoading.Load(terminal, architecture, settings.Weights, device);
        using var owned = model;
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
        var evaluator = new LocalizationEvaluator(model, architecture.FindLayer(model, layerName), methods, new ImagePreprocessor()) { BatchSize = settings.BatchSize };
        var localization = evaluator.EvaluateLocalization(set.SingleObjectImages, progress, cancellationToken);
        var discrimination = set.TwoObjectImages.Count > 0 ? evaluator.EvaluateDiscrimination(set.TwoObjectImages, progress, cancellationToken) : null;
        return new EvaluationReport
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
    }

    private static string BuiltInName(ShapesTrainingOptions options) =>
        string.Create(CultureInfo.InvariantCulture, $"SyntheticShapes (seed {options.Seed}, {options.ImageSize}×{options.ImageSize} px, version {SyntheticShapes.Version})");

    private static EvaluationSet Folder(EvaluateSettings settings, IReadOnlyList<string> classNames)
    {
        var set = EvaluationFolder.Load(settings.Data!, classNames);
        return new EvaluationSet([.. set.SingleObjectImages.Take(settings.Images)], [.. set.TwoObjectImages.Take(settings.Pairs)]);
    }

    private static string Percent(double value) => value.ToString("P1", CultureInfo.InvariantCulture);
}
