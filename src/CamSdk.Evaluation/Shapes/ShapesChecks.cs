using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using CamSdk.Imaging;
using CamSdk.Methods;
using CamSdk.Models;
using static TorchSharp.torch;
using CamSdk.Evaluation;

namespace CamSdk.Shapes;

/// <summary>
/// "Can I trust this map?" on the built-in data: the sanity checks (model and data randomisation), the faithfulness
/// metrics and a shortcut study, run on <see cref="ShapesNet"/> and <see cref="SyntheticShapes"/>' held-out images as the
/// main job shows them.
/// </summary>
public static class ShapesChecks
{
    /// <summary>
    /// The methods the sanity checks randomise under: Grad-CAM, Grad-CAM++, Layer-CAM and Eigen-CAM (CAM is left out:
    /// <see cref="Cam"/> is bound to one model's head, not the randomised copy's).
    /// </summary>
    public static IReadOnlyList<CamMethod> SanityMethods { get; } = [CamMethods.GradCam, CamMethods.GradCamPlusPlus, CamMethods.LayerCam, CamMethods.EigenCam];

    /// <summary>
    /// The data-randomisation model's options: the same network trained on at most 256 images with permuted labels for ten
    /// times the epochs at twice the learning rate, so that it memorises what it cannot learn.
    /// </summary>
    /// <param name="options">The main model's options.</param>
    /// <returns>The options.</returns>
    public static ShapesTrainingOptions ShuffledLabelsOptions(ShapesTrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options with { ShuffleLabels = true, TrainingImages = Math.Min(options.TrainingImages, 256), Epochs = options.Epochs * 10, LearningRate = options.LearningRate * 2 };
    }

    /// <summary>
    /// The shortcut model's options: trained on half the images for one epoch fewer (at least one), where 90% of the images
    /// carry a watermark coding their class.
    /// </summary>
    /// <param name="options">The main model's options.</param>
    /// <returns>The options.</returns>
    public static ShapesTrainingOptions WatermarkOptions(ShapesTrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options with { Watermark = 0.9, TrainingImages = Math.Max(1, options.TrainingImages / 2), Epochs = Math.Max(1, options.Epochs - 1) };
    }

    /// <summary>The held-out one-object images as one preprocessed batch.</summary>
    /// <param name="options">The training options (dataset seed and size).</param>
    /// <param name="count">How many images.</param>
    /// <returns>The batch (N × 3 × size × size, on the CPU).</returns>
    public static Tensor HeldOutBatch(ShapesTrainingOptions options, int count)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var data = new SyntheticShapes(options.Seed, options.ImageSize);
        return ShapesNet.Preprocessor.ToBatch([.. Enumerable.Range(SyntheticShapes.HeldOutStart, count).Select(i => data.SingleObject(i).Image)]);
    }

    /// <summary>Model randomisation (cascading and independent) of a trained ShapesNet on held-out images.</summary>
    /// <param name="trained">The trained network.</param>
    /// <param name="options">The options it was trained with.</param>
    /// <param name="images">Held-out images to average over.</param>
    /// <param name="progress">Told after each batch.</param>
    /// <param name="cancellationToken">Stops between batches.</param>
    /// <returns>The sanity check.</returns>
    public static SanityCheckResult CheckSanity(TrainedShapesNet trained, ShapesTrainingOptions options, int images = 32, IProgress<CamProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(trained);
        using var scope = NewDisposeScope();
        var model = trained.Model;
        return SanityCheck.Run(model, model.GetLayer(ShapesNet.Layers.Layer4), HeldOutBatch(options, images).to(DeviceOf(model)), SanityMethods, new SanityCheckOptions { CreateModel = () => new ShapesNet() }, progress, cancellationToken);
    }

    /// <summary>Data randomisation: the trained network's maps against those of the network trained on shuffled labels.</summary>
    /// <param name="trained">The network trained on true labels.</param>
    /// <param name="shuffled">The network trained on shuffled labels (<see cref="ShuffledLabelsOptions"/>).</param>
    /// <param name="options">The main model's options.</param>
    /// <param name="images">Held-out images to average over.</param>
    /// <param name="progress">Told after each batch.</param>
    /// <param name="cancellationToken">Stops between batches.</param>
    /// <returns>The check (one step).</returns>
    public static SanityCheckResult CompareShuffledLabels(TrainedShapesNet trained, TrainedShapesNet shuffled, ShapesTrainingOptions options, int images = 32, IProgress<CamProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(trained);
        ArgumentNullException.ThrowIfNull(shuffled);
        using var scope = NewDisposeScope();
        var (model, other) = (trained.Model, shuffled.Model);
        return SanityCheck.CompareLabels(model, model.GetLayer(ShapesNet.Layers.Layer4), other, other.GetLayer(ShapesNet.Layers.Layer4), HeldOutBatch(options, images).to(DeviceOf(model)), SanityMethods, null, progress, cancellationToken);
    }

    /// <summary>
    /// The faithfulness metrics of every method on held-out images, explaining each image's top class; deletion and
    /// insertion move four rows' worth of pixels per step (17 points per curve at 64 pixels).
    /// </summary>
    /// <param name="trained">The trained network.</param>
    /// <param name="options">The options it was trained with.</param>
    /// <param name="images">Held-out images.</param>
    /// <param name="progress">Told after each batch.</param>
    /// <param name="cancellationToken">Stops between batches.</param>
    /// <returns>The figures.</returns>
    public static FaithfulnessEvaluation EvaluateFaithfulness(TrainedShapesNet trained, ShapesTrainingOptions options, int images = 32, IProgress<CamProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(trained);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(images, 1);
        var model = trained.Model;
        var data = new SyntheticShapes(options.Seed, options.ImageSize);
        var pictures = Enumerable.Range(SyntheticShapes.HeldOutStart, images).Select(i => data.SingleObject(i).Image).ToArray();
        var evaluator = new FaithfulnessEvaluator(model, model.GetLayer(ShapesNet.Layers.Layer4), ShapesEvaluation.Methods(model), ShapesNet.Preprocessor) { Step = 4 * options.ImageSize, BatchSize = 8 };
        return evaluator.Evaluate(pictures, progress, cancellationToken);
    }

    /// <summary>
    /// The shortcut study: Grad-CAM's mass on the watermark, per class, for the network trained with watermarks and for the
    /// one trained without, on held-out images whose watermark codes their class; and both networks' accuracy with the
    /// watermark, without it, and with a watermark coding another class.
    /// </summary>
    /// <param name="shortcut">The network trained with watermarks (<see cref="WatermarkOptions"/>).</param>
    /// <param name="clean">The network trained without.</param>
    /// <param name="options">The main model's options (dataset seed and size).</param>
    /// <param name="images">Held-out images per measurement.</param>
    /// <param name="gallery">Example images to keep.</param>
    /// <param name="progress">Told after each batch.</param>
    /// <param name="cancellationToken">Stops between batches.</param>
    /// <returns>The study.</returns>
    public static ShortcutEvaluation StudyShortcut(TrainedShapesNet shortcut, TrainedShapesNet clean, ShapesTrainingOptions options, int images = 300, int gallery = 6, IProgress<CamProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(shortcut);
        ArgumentNullException.ThrowIfNull(clean);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(images, 1);
        var data = new SyntheticShapes(options.Seed, options.ImageSize);
        var indices = Enumerable.Range(SyntheticShapes.HeldOutStart, images).ToArray();
        var marked = indices.Select(i => data.Watermarked(i, data.SingleObject(i).Label)).ToArray();
        var mismatched = indices.Select(i => data.Watermarked(i, (ShapeKind)(((int)data.SingleObject(i).Label + 1 + i % (SyntheticShapes.ClassCount - 1)) % SyntheticShapes.ClassCount))).ToArray();
        var plain = indices.Select(data.SingleObject).ToArray();
        var labels = plain.Select(p => (int)p.Label).ToArray();
        var models = new[] { (shortcut, "watermark shortcut", "trained where 90% of the images carry a watermark coding their class"), (clean, "no watermark", "the main ShapesNet, trained without watermarks") };
        var results = new List<ShortcutModel>();
        var maps = new List<float[][,]>();
        var done = 0;
        foreach (var (trained, name, description) in models)
        {
            var model = trained.Model;
            var family = new FamilyMaps(model, model.GetLayer(ShapesNet.Layers.Layer4), [CamMethods.GradCam], guided: false);
            var shares = new double[images];
            var modelMaps = new float[images][,];
            var right = new int[3];
            for (var start = 0; start < images; start += 32)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                var count = Math.Min(32, images - start);
                var classes = labels.Skip(start).Take(count).ToArray();
                var explained = family.Explain(ShapesNet.Preprocessor.ToBatch([.. marked.Skip(start).Take(count).Select(m => m.Shape.Image)]).to(DeviceOf(model)), classes, keepPictures: false, cancellationToken);
                if (explained.Failures.Count > 0)
                {
                    throw new CamException($"Grad-CAM could not be computed for the {name} network: {string.Join(" ", explained.Failures.Values)}");
                }

                for (var i = 0; i < count; i++)
                {
                    modelMaps[start + i] = explained.Maps[i][0].Map;
                    shares[start + i] = LocalizationMetrics.MassShare(modelMaps[start + i], marked[start + i].Watermark);
                    right[0] += explained.Top[i][0] == classes[i] ? 1 : 0;
                }

                right[1] += Correct(model, [.. plain.Skip(start).Take(count).Select(p => p.Image)], classes);
                right[2] += Correct(model, [.. mismatched.Skip(start).Take(count).Select(m => m.Shape.Image)], classes);
                progress?.Report(new CamProgress("shortcut", done += count, 2 * images));
            }

            var byClass = Enumerable.Range(0, SyntheticShapes.ClassCount)
                .Select(c => Enumerable.Range(0, images).Where(i => labels[i] == c).Select(i => shares[i]).DefaultIfEmpty(double.NaN).Average())
                .ToArray();
            results.Add(new ShortcutModel(name, description, (double)right[0] / images, (double)right[1] / images, (double)right[2] / images, shares.Average(), byClass));
            maps.Add(modelMaps);
        }

        var side = data.WatermarkSide;
        var examples = Enumerable.Range(0, Math.Min(gallery, images))
            .Select(i => new ShortcutExample(marked[i].Shape.Image, marked[i].Watermark, labels[i], [.. maps.Select(m => m[i])]))
            .ToArray();
        return new ShortcutEvaluation(results, SyntheticShapes.ClassNames, CamMethods.GradCam.Key, (double)side * side / (options.ImageSize * options.ImageSize), images, examples) { MethodName = CamMethods.GradCam.Name };
    }

    /// <summary>
    /// Runs every check of the main job and adds them to its report: model randomisation of <paramref name="trained"/>, data
    /// randomisation against <paramref name="shuffled"/>, the faithfulness metrics, and the shortcut study of
    /// <paramref name="watermarked"/> against <paramref name="trained"/>. A check that cannot run is listed in the report's
    /// <see cref="EvaluationReport.SkippedChecks"/> with the reason, and the others still run.
    /// </summary>
    /// <param name="report">The report of <see cref="ShapesEvaluation.Evaluate(TrainedShapesNet, ShapesTrainingOptions, int, int, IProgress{CamProgress}?, CancellationToken)"/>.</param>
    /// <param name="trained">The main network.</param>
    /// <param name="shuffled">The network trained with <see cref="ShuffledLabelsOptions"/>; null skips data randomisation.</param>
    /// <param name="watermarked">The network trained with <see cref="WatermarkOptions"/>; null skips the shortcut study.</param>
    /// <param name="options">The main network's options.</param>
    /// <param name="sanityImages">Images for the sanity checks.</param>
    /// <param name="faithfulnessImages">Images for the faithfulness metrics.</param>
    /// <param name="shortcutImages">Images for the shortcut study.</param>
    /// <param name="progress">Told after each batch (stages "original", "cascading", "independent", "labels", "faithfulness", "shortcut").</param>
    /// <param name="cancellationToken">Stops between batches.</param>
    /// <returns>The report with its sanity, faithfulness and shortcut sections.</returns>
    public static EvaluationReport AddTo(EvaluationReport report, TrainedShapesNet trained, TrainedShapesNet? shuffled, TrainedShapesNet? watermarked, ShapesTrainingOptions options, int sanityImages = 32, int faithfulnessImages = 32, int shortcutImages = 300, IProgress<CamProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(trained);
        ArgumentNullException.ThrowIfNull(options);
        var skipped = new List<EvaluationProblem>(report.SkippedChecks);
        var sanity = Attempt(skipped, "sanity", () => CheckSanity(trained, options, sanityImages, progress, cancellationToken));
        DataRandomization? data = null;
        if (shuffled is not null)
        {
            var labels = Attempt(skipped, "data-randomization", () => CompareShuffledLabels(trained, shuffled, options, sanityImages, progress, cancellationToken));
            var shuffledOptions = ShuffledLabelsOptions(options);
            data = labels is null ? null : new DataRandomization(
                labels,
                string.Create(CultureInfo.InvariantCulture, $"the same network trained on {shuffledOptions.TrainingImages:N0} images with randomly permuted labels for {shuffledOptions.Epochs} epochs (learning rate {shuffledOptions.LearningRate})."),
                shuffled.Summary.EpochAccuracies.Count > 0 ? shuffled.Summary.EpochAccuracies[^1] : double.NaN,
                shuffled.Summary.HeldOutAccuracy);
        }

        var faithfulness = Attempt(skipped, "faithfulness", () => EvaluateFaithfulness(trained, options, faithfulnessImages, progress, cancellationToken));
        var shortcut = watermarked is null ? null : Attempt(skipped, "shortcut", () => StudyShortcut(watermarked, trained, options, shortcutImages, progress: progress, cancellationToken: cancellationToken));
        return report with { Sanity = sanity, DataRandomization = data, Faithfulness = faithfulness, Shortcut = shortcut, SkippedChecks = skipped };
    }

    /// <summary>
    /// Runs one of CamSdk's own checks: its <see cref="CamException"/> is recorded as a skipped check with its reason (a
    /// check must never end the job), and null is returned.
    /// </summary>
    internal static T? Attempt<T>(List<EvaluationProblem> skipped, string section, Func<T> check)
        where T : class
    {
        try
        {
            return check();
        }
        catch (CamException e)
        {
            skipped.Add(new EvaluationProblem(section, null, null, e.Message));
            return null;
        }
    }

    /// <summary>How many images the model classifies right, in evaluation mode under its lock (left as it was found).</summary>
    private static int Correct(ShapesNet model, RgbImage[] images, int[] classes) =>
        Internal.ModelState.InEvaluationMode(model, () =>
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var predicted = model.call(ShapesNet.Preprocessor.ToBatch(images).to(DeviceOf(model))).argmax(1).cpu().data<long>().ToArray();
            return predicted.Where((p, i) => p == classes[i]).Count();
        });

    private static Device DeviceOf(ShapesNet model) => model.parameters().FirstOrDefault()?.device ?? CPU;
}
