using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using CamSdk.Datasets;
using CamSdk.Methods;
using CamSdk.Models;

namespace CamSdk.Evaluation;

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
        return [.. CamMethod.ByName.Values.Distinct(), CamMethod.Cam(model.Classifier)];
    }

    /// <summary>
    /// Explains and measures a trained network: localisation on <paramref name="images"/> one-object images, class
    /// discrimination on <paramref name="pairs"/> two-object images, all held out from training.
    /// </summary>
    /// <param name="trained">The trained network (<see cref="ShapesNetTrainer.TrainOrLoad"/>).</param>
    /// <param name="options">The options it was trained with (for its dataset's seed and image size).</param>
    /// <param name="images">One-object images to evaluate (the Grad-CAM paper's protocol asks for many: 1,000 by default).</param>
    /// <param name="pairs">Two-object images to evaluate.</param>
    /// <param name="progress">Told after each batch.</param>
    /// <param name="cancellationToken">Stops between batches.</param>
    /// <returns>The report.</returns>
    public static EvaluationReport Evaluate(TrainedShapesNet trained, ShapesTrainingOptions options, int images = 1_000, int pairs = 200, IProgress<EvaluationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(trained);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(images, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(pairs, 1);
        var model = trained.Model;
        var data = new SyntheticShapes(options.Seed, options.ImageSize);
        var evaluator = new ExplanationEvaluator(model, model.GetLayer(ShapesNet.Layers.Layer4), Methods(model), ShapesNet.Preprocessor);
        var localization = evaluator.EvaluateLocalization(SingleObjectImages(data, images), progress, cancellationToken);
        var discrimination = evaluator.EvaluateDiscrimination(TwoObjectImages(data, pairs), progress, cancellationToken);
        var summary = trained.Summary;
        return new EvaluationReport
        {
            Title = "CamSdk: Grad-CAM and its family on synthetic shapes",
            Model = $"ShapesNet ({summary.Parameters:N0} parameters; 4 convolutional blocks, global average pooling, linear head)",
            Layer = "layer4",
            Dataset = string.Create(CultureInfo.InvariantCulture, $"SyntheticShapes (seed {options.Seed}, {options.ImageSize}×{options.ImageSize} px, version {SyntheticShapes.Version})"),
            ClassNames = SyntheticShapes.ClassNames,
            Localization = localization,
            Discrimination = discrimination,
            Training = new TrainingRecord(
                string.Create(CultureInfo.InvariantCulture, $"ShapesNet was trained from scratch on {options.TrainingImages:N0} synthetic images for {options.Epochs} epochs (Adam, learning rate {options.LearningRate}, cosine decay, batches of {options.BatchSize})."),
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
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        return Enumerable.Range(SyntheticShapes.HeldOutStart, count).Select(index =>
        {
            var shape = make(index);
            var objects = shape.Objects.Select(o => new GroundTruthObject((int)o.Kind, o.Box)).ToArray();
            return new EvaluationImage(string.Create(CultureInfo.InvariantCulture, $"{name} {index - SyntheticShapes.HeldOutStart}"), shape.Image, objects);
        }).ToArray();
    }
}
