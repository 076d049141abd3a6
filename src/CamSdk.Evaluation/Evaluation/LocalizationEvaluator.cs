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
    private readonly (string Name, Type Type)? _unknownModule;

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
        _unknownModule = HeldScalarModules.FirstUnknown(model);
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
    /// Where each batch's images are decoded: on a second thread while the batch before is explained, or on the
    /// explaining thread. Default <see cref="BatchPreparation.Automatic"/>: ahead for a model known to hand
    /// libtorch only Scalars that something holds (see <see cref="BatchPreparation"/>). The figures are the same either way.
    /// </summary>
    public BatchPreparation Preparation { get; init; } = BatchPreparation.Automatic;

    /// <summary>
    /// Whether the next batch's images are decoded on a second thread while this one is explained:
    /// <see cref="Preparation"/> as it applies to this model.
    /// </summary>
    public bool PreparesAhead => Preparation == BatchPreparation.Ahead || (Preparation == BatchPreparation.Automatic && _unknownModule is null);

    /// <summary>
    /// Why <see cref="BatchPreparation.Automatic"/> prepares this model's batches inline (the first module not known to hold
    /// its Scalars), or null when it prepares them ahead.
    /// </summary>
    public string? InlineReason => _unknownModule is { } unknown
        ? $"module '{(unknown.Name.Length == 0 ? "(the model)" : unknown.Name)}' ({unknown.Type.FullName}) is not known to hold the Scalars it passes libtorch"
        : null;

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
    public LocalizationEvaluation EvaluateLocalization(IReadOnlyList<EvaluationImage> images, IProgress<CamProgress>? progress = null, CancellationToken cancellationToken = default) =>
        EvaluationParts.Combine([LocalizationPart(images, EvaluationShard.Whole, progress, cancellationToken)]);

    /// <summary>
    /// <see cref="EvaluateLocalization"/> on one shard's images: each image's outcome, the gallery and misclassified
    /// examples among them (by their index in the whole list), and the methods that failed. The centred baseline's box is
    /// the mean over every image, as in the whole run.
    /// </summary>
    internal LocalizationPart LocalizationPart(IReadOnlyList<EvaluationImage> images, EvaluationShard shard, IProgress<CamProgress>? progress, CancellationToken cancellationToken)
    {
        Require(images, objects: 1);
        var keys = _keys;
        var boxSize = ((int)Math.Round(images.Average(i => i.Objects[0].Box.Width)), (int)Math.Round(images.Average(i => i.Objects[0].Box.Height)));
        var (first, end) = shard.Range(images.Count, BatchSize);
        var outcomes = new List<LocalizationOutcome>();
        var (gallery, candidates) = (new List<IndexedExample>(), new List<(int Index, EvaluationImage Image, int[] Top)>());
        var failed = new Dictionary<string, string>();
        WithModelInEvaluationMode(() =>
        {
            using var decoded = Decoded(images, first, end, BatchSize, cancellationToken);
            for (var start = first; start < end; start += BatchSize)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var (batch, pictures) = decoded.Next();
                var classes = batch.Select(i => i.Objects[0].ClassIndex).ToArray();
                using var input = Input(pictures);
                var explained = Explain(input, classes, keepPictures: start < GalleryImages, cancellationToken);
                EvaluationParts.Collect(failed, explained.Failures);
                for (var i = 0; i < batch.Length; i++)
                {
                    var (image, truth) = (batch[i], batch[i].Objects[0].Box);
                    var predicted = explained.Top[i][0];
                    var wrongClass = predicted != classes[i];
                    var located = new bool[keys.Count + 1];
                    var pointing = new bool[keys.Count + 1];
                    for (var m = 0; m < keys.Count; m++)
                    {
                        var map = explained.Maps[i][m];
                        located[m] = LocalizationMetrics.IsCorrect(map.Box, truth);
                        pointing[m] = LocalizationMetrics.PointingGameHit(map.Map, truth);
                    }

                    var centred = LocalizationMetrics.CentredBox(image.Width, image.Height, boxSize.Item1, boxSize.Item2);
                    located[keys.Count] = LocalizationMetrics.IsCorrect(centred, truth);
                    var (centreRow, centreColumn) = (image.Height / 2, image.Width / 2);
                    pointing[keys.Count] = centreRow >= truth.Top && centreRow <= truth.Bottom && centreColumn >= truth.Left && centreColumn <= truth.Right;
                    outcomes.Add(new LocalizationOutcome(start + i, wrongClass, located, pointing));

                    if (start + i < GalleryImages)
                    {
                        gallery.Add(new IndexedExample(start + i, new ExplainedImage(image, predicted, [new ExplainedClass(classes[i], explained.Scores[i][classes[i]], explained.Maps[i])])));
                    }

                    if (wrongClass && candidates.Count < FailureImages)
                    {
                        candidates.Add((start + i, image, explained.Top[i]));
                    }
                }

                progress?.Report(new CamProgress("localisation", start + batch.Length - first, end - first));
            }
        });

        var failures = candidates.Select(c => new IndexedExample(c.Index, ExplainFailure(c.Image, c.Top, cancellationToken))).ToArray();
        return new LocalizationPart([.. keys.Append(CentredBoxKey)], [.. keys.Append(CentredBoxKey).Select(NameOf)], images.Count, boxSize.Item1, boxSize.Item2, first, end, outcomes, gallery, failures, failed, FailureImages);
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
    public DiscriminationEvaluation EvaluateDiscrimination(IReadOnlyList<EvaluationImage> images, IProgress<CamProgress>? progress = null, CancellationToken cancellationToken = default) =>
        EvaluationParts.Combine([DiscriminationPart(images, EvaluationShard.Whole, progress, cancellationToken)]);

    /// <summary><see cref="EvaluateDiscrimination"/> on one shard's images: each image's mass shares, and the gallery among them.</summary>
    internal DiscriminationPart DiscriminationPart(IReadOnlyList<EvaluationImage> images, EvaluationShard shard, IProgress<CamProgress>? progress, CancellationToken cancellationToken)
    {
        Require(images, objects: 2);
        var keys = _keys;
        var half = Math.Max(1, BatchSize / 2);
        var (first, end) = shard.Range(images.Count, half);
        var outcomes = new List<DiscriminationOutcome>();
        var gallery = new List<IndexedExample>();
        var failed = new Dictionary<string, string>();
        WithModelInEvaluationMode(() =>
        {
            // One batch: every image for its first object's class, then again for its second object's class.
            using var decoded = Decoded(images, first, end, half, cancellationToken);
            for (var start = first; start < end; start += half)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var (batch, pictures) = decoded.Next();
                var classes = batch.Select(i => i.Objects[0].ClassIndex).Concat(batch.Select(i => i.Objects[1].ClassIndex)).ToArray();
                using var input = Input([.. pictures, .. pictures]);
                var explained = Explain(input, classes, keepPictures: start < GalleryImages, cancellationToken);
                EvaluationParts.Collect(failed, explained.Failures);
                for (var i = 0; i < batch.Length; i++)
                {
                    // [object × method]: the share of object o's class's map inside its own box and inside the other's.
                    var (own, other) = (new double[2 * keys.Count], new double[2 * keys.Count]);
                    for (var o = 0; o < 2; o++)
                    {
                        var row = o * batch.Length + i;
                        for (var m = 0; m < keys.Count; m++)
                        {
                            own[(o * keys.Count) + m] = LocalizationMetrics.MassShare(explained.Maps[row][m].Map, batch[i].Objects[o].Box);
                            other[(o * keys.Count) + m] = LocalizationMetrics.MassShare(explained.Maps[row][m].Map, batch[i].Objects[1 - o].Box);
                        }
                    }

                    outcomes.Add(new DiscriminationOutcome(start + i, own, other));
                    if (start + i < GalleryImages)
                    {
                        var perClass = Enumerable.Range(0, 2)
                            .Select(o => o * batch.Length + i)
                            .Select(row => new ExplainedClass(classes[row], explained.Scores[row][classes[row]], explained.Maps[row]))
                            .ToArray();
                        gallery.Add(new IndexedExample(start + i, new ExplainedImage(batch[i], explained.Top[i][0], perClass)));
                    }
                }

                progress?.Report(new CamProgress("discrimination", start + batch.Length - first, end - first));
            }
        });

        return new DiscriminationPart([.. keys], [.. keys.Select(NameOf)], images.Count, first, end, outcomes, gallery, failed);
    }

    /// <summary>
    /// One shard of an evaluation, for a scheduler's array of jobs: localisation on its part of the one-object images and
    /// class discrimination on its part of the two-object images, each a contiguous run of whole batches of the whole
    /// list, so that <see cref="EvaluationPart.Merge"/> of every part gives the whole run's report to the last digit.
    /// </summary>
    /// <param name="set">The whole evaluation's images, in their stable order (every shard is given all of them).</param>
    /// <param name="shard">Which part.</param>
    /// <param name="identity">What the evaluation is of, for the merge to check that parts belong together: the model, its weights' hash, the dataset, the device. The evaluator adds its methods and sizes.</param>
    /// <param name="report">Makes the report from the figures (its title, model, dataset, training and facts), as for a whole run.</param>
    /// <param name="progress">Told after each batch.</param>
    /// <param name="cancellationToken">Stops between batches.</param>
    /// <returns>The part.</returns>
    public EvaluationPart EvaluatePart(
        EvaluationSet set,
        EvaluationShard shard,
        IReadOnlyList<KeyValuePair<string, string>> identity,
        Func<LocalizationEvaluation, DiscriminationEvaluation?, EvaluationReport> report,
        IProgress<CamProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentNullException.ThrowIfNull(shard);
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentNullException.ThrowIfNull(report);
        var localization = LocalizationPart(set.SingleObjectImages, shard, progress, cancellationToken);
        var discrimination = set.TwoObjectImages.Count > 0 ? DiscriminationPart(set.TwoObjectImages, shard, progress, cancellationToken) : null;
        var own = EvaluationParts.Combine([localization], whole: false);
        KeyValuePair<string, string>[] facts =
        [
            .. identity,
            new("methods", string.Join(",", _keys)),
            new("batch size", BatchSize.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new("images", string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{set.SingleObjectImages.Count} one-object, {set.TwoObjectImages.Count} two-object")),
            new("examples", string.Create(System.Globalization.CultureInfo.InvariantCulture, $"gallery {GalleryImages}, failures {FailureImages}")),
        ];
        return new EvaluationPart(shard, facts, report(own, discrimination is null ? null : EvaluationParts.Combine([discrimination], whole: false)), localization, discrimination);
    }

    /// <summary>A misclassified image explained for its two highest-scoring classes, on its own (the same in a shard as in the whole run).</summary>
    private ExplainedImage ExplainFailure(EvaluationImage image, int[] top, CancellationToken cancellationToken)
    {
        ExplainedImage result = null!;
        WithModelInEvaluationMode(() =>
        {
            int[] classes = [top[0], top[Math.Min(1, top.Length - 1)]];
            var picture = image.Image;
            using var input = Input([picture, picture]);
            var explained = Explain(input, classes, keepPictures: true, cancellationToken);
            var perClass = new[] { 0, 1 }.Select(row => new ExplainedClass(classes[row], explained.Scores[row][classes[row]], explained.Maps[row])).ToArray();
            result = new ExplainedImage(image, top[0], perClass);
        });

        return result;
    }

    /// <summary>A method's name in reports, by its key: what the method itself says, or the baseline's.</summary>
    private string NameOf(string key) => key == CentredBoxKey ? CentredBoxName : _family.Names[key];

    /// <summary>
    /// The images from <paramref name="first"/> to <paramref name="end"/> in batches of <paramref name="size"/>, each
    /// with its pictures decoded: ahead on a second thread or inline, as <see cref="PreparesAhead"/> says.
    /// </summary>
    private PreparedBatches<(EvaluationImage[] Images, RgbImage[] Pictures)> Decoded(IReadOnlyList<EvaluationImage> images, int first, int end, int size, CancellationToken cancellationToken)
    {
        var count = (end - first + size - 1) / size;
        return new PreparedBatches<(EvaluationImage[] Images, RgbImage[] Pictures)>(
            count,
            PreparesAhead,
            b =>
            {
                var start = first + (b * size);
                EvaluationImage[] batch = [.. Enumerable.Range(start, Math.Min(size, end - start)).Select(i => images[i])];
                return (batch, [.. batch.Select(i => i.Image)]);
            },
            cancellationToken);
    }

    /// <summary>The model's input for <paramref name="images"/> on the host, in no dispose scope: the caller disposes it.</summary>
    private Tensor Input(RgbImage[] images) => _preprocessor.ToBatch(images).DetachFromDisposeScope();

    /// <summary>Explains each image of the input for its class with every method; the maps, all class scores, the classes by score, and the methods that failed.</summary>
    private (ExplainedMap[][] Maps, float[][] Scores, int[][] Top, IReadOnlyDictionary<string, string> Failures) Explain(Tensor input, int[] classes, bool keepPictures, CancellationToken cancellationToken)
    {
        using var scope = NewDisposeScope();
        var device = _model.parameters().FirstOrDefault()?.device ?? CPU;
        var batch = _family.Explain(input.to(device), classes, keepPictures, cancellationToken);
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

        if (!Enum.IsDefined(Preparation))
        {
            throw new ArgumentOutOfRangeException(nameof(Preparation), Preparation, "Preparation must be Automatic, Ahead or Inline.");
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
