using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using CamSdk.Guided;
using CamSdk.Imaging;
using CamSdk.Internal;
using CamSdk.Localization;
using CamSdk.Methods;
using CamSdk.Targets;
using TorchSharp;
using static TorchSharp.torch;

namespace CamSdk.Evaluation;

/// <summary>
/// Measures what a model's explanations are worth on images with ground-truth boxes: weakly-supervised localisation as
/// section 4.1 of the Grad-CAM paper does it, the pointing game, and class discrimination on two-object images; for every
/// method of the CAM family given, Guided Backpropagation, Guided Grad-CAM and a centred-box baseline.
/// </summary>
/// <remarks>
/// The model is put in evaluation mode while it is measured (under its lock, as an explanation is) and left as it was found. Every method explains one capture
/// per batch (<see cref="CamExplainer.Explain(Tensor, IEnumerable{CamMethod}, CamTarget?, CancellationToken)"/>); Guided
/// Backpropagation is one more pass, and Guided Grad-CAM its product with Grad-CAM's heatmap. Gradient pictures become
/// maps by <see cref="LocalizationMetrics.Saliency"/>.
/// </remarks>
public sealed class LocalizationEvaluator
{
    /// <summary>The key of the centred-box baseline in results.</summary>
    public const string CentredBoxKey = "centred-box";

    /// <summary>The centred-box baseline's name in reports.</summary>
    public const string CentredBoxName = "centred box (baseline)";

    private readonly nn.Module<Tensor, Tensor> _model;
    private readonly FamilyMaps _family;
    private readonly IReadOnlyList<string> _keys;
    private readonly ImagePreprocessor _preprocessor;

    /// <summary>Creates an evaluator.</summary>
    /// <param name="model">The model: images in, class scores (pre-softmax) out.</param>
    /// <param name="layer">The layer the CAM family explains.</param>
    /// <param name="methods">The CAM-family methods to evaluate (<c>new Cam(classifier)</c> too).</param>
    /// <param name="preprocessor">How an image becomes the model's input; it must not resize or crop, so that boxes stay in the image's pixels.</param>
    /// <exception cref="ArgumentException">No method, or a preprocessor that resizes or crops.</exception>
    public LocalizationEvaluator(nn.Module<Tensor, Tensor> model, nn.Module<Tensor, Tensor> layer, IReadOnlyList<CamMethod> methods, ImagePreprocessor preprocessor)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentNullException.ThrowIfNull(methods);
        ArgumentNullException.ThrowIfNull(preprocessor);
        if (methods.Count == 0 || methods.Any(m => m is null))
        {
            throw new ArgumentException("Give at least one method, and no null.", nameof(methods));
        }

        if (preprocessor.ResizeTo is not null || preprocessor.CropTo is not null)
        {
            throw new ArgumentException(
                "The preprocessor resizes or crops, so ground-truth boxes would no longer match the model's input: give images at the model's size and a preprocessor without ResizeTo and CropTo.",
                nameof(preprocessor));
        }

        _model = model;
        _preprocessor = preprocessor;
        _family = new FamilyMaps(model, layer, methods, guided: true);
        _keys = _family.Keys;
    }

    /// <summary>Images per batch (each batch is one capture of every method). Default 16.</summary>
    public int BatchSize { get; init; } = 16;

    /// <summary>How many images keep their maps for a report's gallery. Default 8.</summary>
    public int GalleryImages { get; init; } = 8;

    /// <summary>How many misclassified images get their two highest-scoring classes explained. Default 6.</summary>
    public int FailureImages { get; init; } = 6;

    /// <summary>
    /// Weakly-supervised localisation and the pointing game on one-object images (the first object of each is used): for
    /// each method, the top-1 and ground-truth-class localisation errors (IoU &lt; 0.5 with the box around the largest
    /// connected segment above 15% of the map's maximum) and the share of maps whose maximum lies in the ground-truth box.
    /// </summary>
    /// <param name="images">The images, each with at least one object.</param>
    /// <param name="progress">Told after each batch.</param>
    /// <param name="cancellationToken">Stops between batches (and inside Score-CAM's passes).</param>
    /// <returns>The figures, a gallery and the misclassified images' explanations.</returns>
    /// <exception cref="ArgumentException">No image, or an image without an object.</exception>
    public LocalizationEvaluation EvaluateLocalization(IReadOnlyList<EvaluationImage> images, IProgress<CamProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        Require(images, objects: 1);
        var keys = _keys;
        var (top1, groundTruth, pointing) = (new int[keys.Count + 1], new int[keys.Count + 1], new int[keys.Count + 1]);
        var boxSize = ((int)Math.Round(images.Average(i => i.Objects[0].Box.Width)), (int)Math.Round(images.Average(i => i.Objects[0].Box.Height)));
        var (right, gallery, failures) = (0, new List<ExplainedImage>(), new List<(EvaluationImage Image, int[] Top)>());
        var misclassified = 0;
        var failed = new Dictionary<string, string>();
        WithModelInEvaluationMode(() =>
        {
            for (var start = 0; start < images.Count; start += BatchSize)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var batch = images.Skip(start).Take(BatchSize).ToArray();
                var classes = batch.Select(i => i.Objects[0].ClassIndex).ToArray();
                var explained = Explain(batch.Select(i => i.Image).ToArray(), classes, keepPictures: start < GalleryImages, cancellationToken);
                Collect(failed, explained.Failures);
                for (var i = 0; i < batch.Length; i++)
                {
                    var (image, truth) = (batch[i], batch[i].Objects[0].Box);
                    var predicted = explained.Top[i][0];
                    var wrongClass = predicted != classes[i];
                    right += wrongClass ? 0 : 1;
                    for (var m = 0; m < keys.Count; m++)
                    {
                        var map = explained.Maps[i][m];
                        var located = LocalizationMetrics.IsCorrect(map.Box, truth);
                        top1[m] += wrongClass || !located ? 1 : 0;
                        groundTruth[m] += located ? 0 : 1;
                        pointing[m] += LocalizationMetrics.PointingGameHit(map.Map, truth) ? 1 : 0;
                    }

                    var centred = LocalizationMetrics.CentredBox(image.Image.Width, image.Image.Height, boxSize.Item1, boxSize.Item2);
                    var centredRight = LocalizationMetrics.IsCorrect(centred, truth);
                    top1[keys.Count] += wrongClass || !centredRight ? 1 : 0;
                    groundTruth[keys.Count] += centredRight ? 0 : 1;
                    var (centreRow, centreColumn) = (image.Image.Height / 2, image.Image.Width / 2);
                    pointing[keys.Count] += centreRow >= truth.Top && centreRow <= truth.Bottom && centreColumn >= truth.Left && centreColumn <= truth.Right ? 1 : 0;

                    if (start + i < GalleryImages)
                    {
                        gallery.Add(new ExplainedImage(image, predicted, [new ExplainedClass(classes[i], explained.Scores[i][classes[i]], explained.Maps[i])]));
                    }

                    if (wrongClass)
                    {
                        misclassified++;
                        if (failures.Count < FailureImages)
                        {
                            failures.Add((image, explained.Top[i]));
                        }
                    }
                }

                progress?.Report(new CamProgress("localisation", start + batch.Length, images.Count));
            }
        });

        var methods = keys.Append(CentredBoxKey)
            .Select((key, m) => (failed.TryGetValue(key, out var reason)
                ? new MethodLocalization(key, double.NaN, double.NaN, double.NaN, images.Count) { Failure = reason }
                : new MethodLocalization(key, (double)top1[m] / images.Count, (double)groundTruth[m] / images.Count, (double)pointing[m] / images.Count, images.Count)) with { MethodName = NameOf(key) })
            .ToArray();
        return new LocalizationEvaluation(methods, (double)right / images.Count, images.Count, boxSize, gallery, ExplainFailures(failures, cancellationToken), misclassified);
    }

    /// <summary>
    /// Class discrimination on two-object images: each object's class is explained, and each map's mass is measured inside
    /// its own object's box and inside the other object's box (the first two objects of each image are used).
    /// </summary>
    /// <param name="images">The images, each with at least two objects of different classes.</param>
    /// <param name="progress">Told after each batch.</param>
    /// <param name="cancellationToken">Stops between batches.</param>
    /// <returns>The figures and a gallery.</returns>
    /// <exception cref="ArgumentException">No image, or an image without two objects of different classes.</exception>
    public DiscriminationEvaluation EvaluateDiscrimination(IReadOnlyList<EvaluationImage> images, IProgress<CamProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        Require(images, objects: 2);
        var keys = _keys;
        var (own, other) = (new double[keys.Count], new double[keys.Count]);
        var gallery = new List<ExplainedImage>();
        var failed = new Dictionary<string, string>();
        WithModelInEvaluationMode(() =>
        {
            var half = Math.Max(1, BatchSize / 2);
            for (var start = 0; start < images.Count; start += half)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var batch = images.Skip(start).Take(half).ToArray();
                // One batch: every image for its first object's class, then again for its second object's class.
                var pictures = batch.Select(i => i.Image).Concat(batch.Select(i => i.Image)).ToArray();
                var classes = batch.Select(i => i.Objects[0].ClassIndex).Concat(batch.Select(i => i.Objects[1].ClassIndex)).ToArray();
                var explained = Explain(pictures, classes, keepPictures: start < GalleryImages, cancellationToken);
                Collect(failed, explained.Failures);
                for (var i = 0; i < batch.Length; i++)
                {
                    for (var o = 0; o < 2; o++)
                    {
                        var row = o * batch.Length + i;
                        for (var m = 0; m < keys.Count; m++)
                        {
                            own[m] += LocalizationMetrics.MassShare(explained.Maps[row][m].Map, batch[i].Objects[o].Box);
                            other[m] += LocalizationMetrics.MassShare(explained.Maps[row][m].Map, batch[i].Objects[1 - o].Box);
                        }
                    }

                    if (start + i < GalleryImages)
                    {
                        var perClass = Enumerable.Range(0, 2)
                            .Select(o => o * batch.Length + i)
                            .Select(row => new ExplainedClass(classes[row], explained.Scores[row][classes[row]], explained.Maps[row]))
                            .ToArray();
                        gallery.Add(new ExplainedImage(batch[i], explained.Top[i][0], perClass));
                    }
                }

                progress?.Report(new CamProgress("discrimination", start + batch.Length, images.Count));
            }
        });

        var maps = 2 * images.Count;
        var methods = keys.Select((key, m) => (failed.TryGetValue(key, out var reason)
            ? new MethodDiscrimination(key, double.NaN, double.NaN, maps) { Failure = reason }
            : new MethodDiscrimination(key, own[m] / maps, other[m] / maps, maps)) with { MethodName = NameOf(key) }).ToArray();
        return new DiscriminationEvaluation(methods, images.Count, gallery);
    }

    private IReadOnlyList<ExplainedImage> ExplainFailures(List<(EvaluationImage Image, int[] Top)> failures, CancellationToken cancellationToken)
    {
        if (failures.Count == 0)
        {
            return [];
        }

        var result = new List<ExplainedImage>();
        WithModelInEvaluationMode(() =>
        {
            var pictures = failures.Select(f => f.Image.Image).Concat(failures.Select(f => f.Image.Image)).ToArray();
            var classes = failures.Select(f => f.Top[0]).Concat(failures.Select(f => f.Top[Math.Min(1, f.Top.Length - 1)])).ToArray();
            var explained = Explain(pictures, classes, keepPictures: true, cancellationToken);
            for (var i = 0; i < failures.Count; i++)
            {
                var perClass = new[] { i, failures.Count + i }
                    .Select(row => new ExplainedClass(classes[row], explained.Scores[row][classes[row]], explained.Maps[row]))
                    .ToArray();
                result.Add(new ExplainedImage(failures[i].Image, failures[i].Top[0], perClass));
            }
        });

        return result;
    }

    /// <summary>A method's name in reports, by its key: what the method itself says, or the baseline's.</summary>
    private string NameOf(string key) => key == CentredBoxKey ? CentredBoxName : _family.Names[key];

    /// <summary>Keeps the first reason each method failed for: a method that fails on any batch has no figures.</summary>
    private static void Collect(Dictionary<string, string> failed, IReadOnlyDictionary<string, string> batch)
    {
        foreach (var (key, reason) in batch)
        {
            failed.TryAdd(key, reason);
        }
    }

    /// <summary>Explains each image for its class with every method; the maps, all class scores, the classes by score, and the methods that failed.</summary>
    private (ExplainedMap[][] Maps, float[][] Scores, int[][] Top, IReadOnlyDictionary<string, string> Failures) Explain(RgbImage[] images, int[] classes, bool keepPictures, CancellationToken cancellationToken)
    {
        using var scope = NewDisposeScope();
        var device = _model.parameters().FirstOrDefault()?.device ?? CPU;
        var batch = _family.Explain(_preprocessor.ToBatch(images).to(device), classes, keepPictures, cancellationToken);
        var maps = batch.Maps.Select(row => row.Select(m => new ExplainedMap(m.Key, m.Map, CamLocalizer.Localize(m.Map), m.Picture) { MethodName = NameOf(m.Key) }).ToArray()).ToArray();
        return (maps, batch.Scores, batch.Top, batch.Failures);
    }

    /// <summary>
    /// Runs with the model in evaluation mode, under the model's lock (so another explanation cannot switch modes in the
    /// middle of a batch), and restores every module's mode afterwards, also when something throws.
    /// </summary>
    private void WithModelInEvaluationMode(Action action)
    {
        if (BatchSize < 1 || GalleryImages < 0 || FailureImages < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(BatchSize), $"BatchSize ({BatchSize}) must be at least 1, GalleryImages ({GalleryImages}) and FailureImages ({FailureImages}) at least 0.");
        }

        ModelState.InEvaluationMode(_model, () =>
        {
            action();
            return true;
        });
    }

    private static void Require(IReadOnlyList<EvaluationImage> images, int objects)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.Count == 0)
        {
            throw new ArgumentException("Give at least one image.", nameof(images));
        }

        foreach (var image in images)
        {
            ArgumentNullException.ThrowIfNull(image, nameof(images));
            if (image.Objects.Count < objects)
            {
                throw new ArgumentException($"Image '{image.Name}' has {image.Objects.Count} object(s); this evaluation needs {objects} per image.", nameof(images));
            }

            if (objects == 2 && image.Objects[0].ClassIndex == image.Objects[1].ClassIndex)
            {
                throw new ArgumentException($"Image '{image.Name}' has two objects of the same class ({image.Objects[0].ClassIndex}); class discrimination needs two different classes.", nameof(images));
            }
        }
    }
}
