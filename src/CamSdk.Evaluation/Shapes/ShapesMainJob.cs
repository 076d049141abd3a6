using System;
using System.Collections.Generic;
using System.Threading;
using CamSdk.Models;
using CamSdk.Evaluation;

namespace CamSdk.Shapes;

/// <summary>
/// CamSdk's main job as one call: train (or load from the cache) ShapesNet, explain and measure it on held-out images with
/// the whole family, then train the trust checks' two networks and run the sanity checks, the faithfulness metrics and the
/// shortcut study. The Quickstart sample shows it with progress bars; tests run it at small sizes.
/// </summary>
/// <remarks>
/// The checks are CamSdk's own: one that cannot be computed never ends the job. A method that fails at one step of a check
/// has no figures there (the report says which and why); a check that cannot run at all (or whose network cannot be
/// trained) is listed in <see cref="EvaluationReport.SkippedChecks"/>, and the report holds every other figure.
/// </remarks>
public static class ShapesMainJob
{
    /// <summary>Runs the main job.</summary>
    /// <param name="options">Its sizes; null for the defaults.</param>
    /// <param name="progress">Told as each task advances.</param>
    /// <param name="cancellationToken">Stops between steps and batches; nothing half-trained is cached.</param>
    /// <returns>The networks and the report; dispose it when done.</returns>
    /// <exception cref="CamException">The main network cannot be trained, loaded or evaluated (the trust checks never throw).</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public static MainJobResult Run(MainJobOptions? options = null, IProgress<CamProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        options ??= new MainJobOptions();
        options.Validate();
        var training = options.Training;
        var trained = Train("training", "ShapesNet", training, progress, cancellationToken);
        TrainedShapesNet? shuffled = null, watermarked = null;
        try
        {
            var stages = Stages(progress);
            var report = ShapesEvaluation.Evaluate(trained, training, options.Images, options.Pairs, stages, cancellationToken);
            var skipped = new List<EvaluationProblem>();
            shuffled = ShapesChecks.Attempt(skipped, "data-randomization", () => Train("training-shuffled", "ShapesNet on shuffled labels", ShapesChecks.ShuffledLabelsOptions(training), progress, cancellationToken));
            watermarked = ShapesChecks.Attempt(skipped, "shortcut", () => Train("training-watermarked", "ShapesNet with watermarks", ShapesChecks.WatermarkOptions(training), progress, cancellationToken));
            report = ShapesChecks.AddTo(report with { SkippedChecks = skipped }, trained, shuffled, watermarked, training, options.SanityImages, options.FaithfulnessImages, options.ShortcutImages, stages, cancellationToken);
            return new MainJobResult(trained, shuffled, watermarked, report);
        }
        catch
        {
            trained.Dispose();
            shuffled?.Dispose();
            watermarked?.Dispose();
            throw;
        }
    }

    private static TrainedShapesNet Train(string task, string name, ShapesTrainingOptions options, IProgress<CamProgress>? progress, CancellationToken cancellationToken)
    {
        var reporter = progress is null ? null : new Relay<CamProgress>(p => progress.Report(p with { Stage = task, Detail = $"Training {name}: {p.Detail}" }));
        var result = ShapesNetTrainer.TrainOrLoad(options, reporter, cancellationToken);
        progress?.Report(new CamProgress(task, 1, 1, result.FromCache ? $"{name} loaded from the cache" : $"{name} trained"));
        return result;
    }

    private static Relay<CamProgress>? Stages(IProgress<CamProgress>? progress) =>
        progress is null ? null : new Relay<CamProgress>(p => progress.Report(p with
        {
            Detail = p.Stage switch
            {
                "localisation" or "discrimination" => $"Explaining: {p.Stage}",
                "original" => "Checking: sanity, learned weights",
                _ => $"Checking: {p.Stage}",
            },
        }));

    /// <summary>Reports on the calling thread (<see cref="Progress{T}"/> would post to the thread pool, out of order).</summary>
    private sealed class Relay<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
