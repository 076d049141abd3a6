using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using CamSdk.Methods;
using CamSdk.Models;
using CamSdk.Evaluation;

namespace CamSdk.Shapes;

/// <summary>
/// CamSdk's main job on its built-in data: a trained <see cref="ShapesNet"/> explained by the whole CAM family, Guided
/// Backpropagation and Guided Grad-CAM on held-out <see cref="SyntheticShapes"/> images, and measured.
/// </summary>
public static class ShapesEvaluation
{
    /// <summary>The one-object held-out images <see cref="SyntheticShapes.HeldOutStart"/> to <c>HeldOutStart + count − 1</c>.</summary>
    /// <param name="data">The dataset.</param>
    /// <param name="count">How many images.</param>
    /// <returns>The images with their class and box.</returns>
    public static IReadOnlyList<EvaluationImage> SingleObjectImages(SyntheticShapes data, int count) =>
        Images(data, count, data.SingleObject, "image");

    /// <summary>The two-object held-out images <see cref="SyntheticShapes.HeldOutStart"/> to <c>HeldOutStart + count − 1</c>.</summary>
    /// <param name="data">The dataset.</param>
    /// <param name="count">How many images.</param>
    /// <returns>The images with both objects' classes and boxes.</returns>
    public static IReadOnlyList<EvaluationImage> TwoObjectImages(SyntheticShapes data, int count) =>
        Images(data, count, data.TwoObjects, "pair");

    /// <summary>The methods the main job evaluates: pytorch-grad-cam's family and CAM on <paramref name="model"/>'s head.</summary>
    /// <param name="model">The network.</param>
    /// <returns>The methods.</returns>
    public static IReadOnlyList<CamMethod> Methods(ShapesNet model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return [.. CamMethods.ByKey.Values.Distinct(), new Cam(model.Classifier)];
    }

    /// <summary>The built-in evaluation set: the first held-out one-object and two-object images of the dataset the options train on.</summary>
    /// <param name="options">The training options (for the dataset's seed and image size).</param>
    /// <param name="images">One-object images (the Grad-CAM paper's protocol asks for many: 1,000 by default).</param>
    /// <param name="pairs">Two-object images (none: no class discrimination).</param>
    /// <returns>The images.</returns>
    public static EvaluationSet BuiltInSet(ShapesTrainingOptions options, int images = 1_000, int pairs = 200)
    {
        ArgumentNullException.ThrowIfNull(options);
        var data = new SyntheticShapes(options.Seed, options.ImageSize);
        return new EvaluationSet(SingleObjectImages(data, images), TwoObjectImages(data, pairs));
    }

    /// <summary>How reports name the built-in dataset the options train on, e.g. <c>SyntheticShapes (seed 2017, 64×64 px, version 1)</c>.</summary>
    /// <param name="options">The training options.</param>
    /// <returns>The name.</returns>
    public static string DatasetName(ShapesTrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return string.Create(CultureInfo.InvariantCulture, $"SyntheticShapes (seed {options.Seed}, {options.ImageSize}×{options.ImageSize} px, version {SyntheticShapes.Version})");
    }

    /// <summary>
    /// Explains and measures a trained network on the built-in held-out images: localisation on <paramref name="images"/>
    /// one-object images, class discrimination on <paramref name="pairs"/> two-object images.
    /// </summary>
    /// <param name="trained">The trained network (<see cref="ShapesNetTrainer.TrainOrLoad"/>).</param>
    /// <param name="options">The options it was trained with.</param>
    /// <param name="images">One-object images to evaluate.</param>
    /// <param name="pairs">Two-object images to evaluate (none: no class discrimination).</param>
    /// <param name="progress">Told after each batch.</param>
    /// <param name="cancellationToken">Stops between batches.</param>
    /// <returns>The report.</returns>
    public static EvaluationReport Evaluate(TrainedShapesNet trained, ShapesTrainingOptions options, int images = 1_000, int pairs = 200, IProgress<CamProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Evaluate(trained, options, BuiltInSet(options, images, pairs), DatasetName(options), null, progress: progress, cancellationToken: cancellationToken);
    }

    /// <summary>Explains and measures a trained network on the given images (e.g. a folder read by <see cref="EvaluationFolder.Load"/>).</summary>
    /// <param name="trained">The trained network.</param>
    /// <param name="options">The options it was trained with.</param>
    /// <param name="set">The images.</param>
    /// <param name="dataset">What the images are, for the report.</param>
    /// <param name="methods">The CAM-family methods to evaluate; null for all of them (<see cref="Methods"/>).</param>
    /// <param name="batchSize">Images per explanation batch.</param>
    /// <param name="progress">Told after each batch.</param>
    /// <param name="cancellationToken">Stops between batches.</param>
    /// <returns>The report.</returns>
    public static EvaluationReport Evaluate(TrainedShapesNet trained, ShapesTrainingOptions options, EvaluationSet set, string dataset, IReadOnlyList<CamMethod>? methods = null, int batchSize = 16, IProgress<CamProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(trained);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(set);
        var evaluator = Evaluator(trained, methods, batchSize);
        var localization = evaluator.EvaluateLocalization(set.SingleObjectImages, progress, cancellationToken);
        var discrimination = set.TwoObjectImages.Count > 0 ? evaluator.EvaluateDiscrimination(set.TwoObjectImages, progress, cancellationToken) : null;
        return Report(trained, options, dataset)(localization, discrimination);
    }

    /// <summary>The evaluator of a trained ShapesNet at <c>layer4</c>.</summary>
    internal static LocalizationEvaluator Evaluator(TrainedShapesNet trained, IReadOnlyList<CamMethod>? methods, int batchSize, BatchPreparation preparation = BatchPreparation.Automatic)
    {
        var model = trained.Model;
        return new LocalizationEvaluator(model, model.GetLayer(ShapesNet.Layers.Layer4), methods ?? Methods(model), ShapesNet.Preprocessor) { BatchSize = batchSize, Preparation = preparation };
    }

    /// <summary>The report of a trained ShapesNet's evaluation, from its figures.</summary>
    internal static Func<LocalizationEvaluation, DiscriminationEvaluation?, EvaluationReport> Report(TrainedShapesNet trained, ShapesTrainingOptions options, string dataset)
    {
        var summary = trained.Summary;
        return (localization, discrimination) => new EvaluationReport
        {
            Title = "CamSdk: Grad-CAM and its family on synthetic shapes",
            Model = $"ShapesNet ({summary.Parameters:N0} parameters; input instance normalisation, five convolutions in four blocks, global average pooling, linear head)",
            Layer = "layer4",
            Dataset = dataset,
            ClassNames = SyntheticShapes.ClassNames,
            Localization = localization,
            Discrimination = discrimination,
            Training = new TrainingRecord(
                string.Create(CultureInfo.InvariantCulture, $"ShapesNet was trained from scratch on {options.TrainingImages:N0} synthetic {options.ImageSize}×{options.ImageSize} images for {options.Epochs} epochs (Adam, learning rate {options.LearningRate}, cosine decay, batches of {options.BatchSize})."),
                summary.EpochLosses,
                summary.EpochAccuracies,
                summary.HeldOutAccuracy,
                summary.HeldOutImages,
                summary.TrainingSeconds,
                trained.FromCache),
            Facts =
            [
                new("Weights", trained.WeightsPath),
                new("Cache key", ShapesNetTrainer.CacheKey(options)),
            ],
        };
    }

    private static IReadOnlyList<EvaluationImage> Images(SyntheticShapes data, int count, Func<int, ShapeImage> make, string name)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        return Enumerable.Range(SyntheticShapes.HeldOutStart, count).Select(index =>
        {
            var shape = make(index);
            var objects = shape.Objects.Select(o => new GroundTruthObject((int)o.Kind, o.Box)).ToArray();
            return new EvaluationImage(string.Create(CultureInfo.InvariantCulture, $"{name} {index - SyntheticShapes.HeldOutStart}"), shape.Image, objects);
        }).ToArray();
    }
}
