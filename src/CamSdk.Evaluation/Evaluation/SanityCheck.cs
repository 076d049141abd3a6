using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using CamSdk.Internal;
using CamSdk.Methods;
using TorchSharp;
using static TorchSharp.torch;
using CamSdk.Shapes;

namespace CamSdk.Evaluation;

/// <summary>
/// Sanity checks for saliency maps (Adebayo et al., "Sanity Checks for Saliency Maps", NeurIPS 2018), one call each: does
/// an explanation change when the model's learned weights are destroyed (model randomisation, cascading from the top layer
/// down and one layer at a time), or when the model was trained on shuffled labels (data randomisation)? An explanation
/// that stays the same explains the input, not the model, and cannot debug it.
/// </summary>
/// <remarks>
/// <para>
/// Randomisation always happens on a copy (<see cref="SanityCheckOptions.CreateModel"/>): the model checked keeps every
/// parameter, buffer, requires_grad flag and training mode. A randomised layer is re-initialised as PyTorch initialises a
/// new layer (weights and biases from U(−1/√fan_in, 1/√fan_in), normalisation scales 1 and shifts 0), as the paper's code
/// re-runs the framework's initialisers; running statistics are kept.
/// </para>
/// <para>
/// As in the paper's code, each model (original or randomised) explains its own top-scoring class, and the statistics
/// follow its notebooks: Spearman rank correlation of the absolute-value maps and of the signed maps, SSIM and the rank
/// correlation of HOG features of the min-max-normalised maps (<see cref="MapComparison"/>). Gradient pictures (Guided
/// Backpropagation, Guided Grad-CAM) are reduced over their channels first (the notebooks' SSIM averaged over channels and
/// scikit-image's HOG took each pixel's strongest channel).
/// A CAM map is normalised as a 2-D map (|m| / max |m|), where the paper's code repeated Grad-CAM over three channels and
/// so clipped its top 1% at the 99th percentile. SSIM uses the data range 2 (<see cref="SsimDataRange"/>); HOG cells are 16 pixels, or a third of the map's shorter
/// side when that is smaller. A rank correlation with a map that turned flat, which SciPy leaves undefined, counts as 0
/// (the map changed completely), and as 1 when both maps are the same flat map.
/// The verdict's threshold, <see cref="PassThreshold"/>, is CamSdk's: the paper reads its curves by eye.
/// </para>
/// </remarks>
public static class SanityCheck
{
    /// <summary>An explanation passes when its mean rank correlation (absolute values) after the fullest randomisation is below this: 0.5.</summary>
    public const double PassThreshold = 0.5;

    /// <summary>
    /// SSIM's data range for the [0, 1] maps: 2, the value scikit-image of the paper's time (<c>compare_ssim</c> without
    /// <c>data_range</c>) took for floating-point images, so that the figures compare with the paper's.
    /// </summary>
    public const double SsimDataRange = 2.0;

    /// <summary>
    /// Model randomisation: explains the images with the learned weights, then after each step of cascading randomisation
    /// (top layer first, the earlier ones staying random) and of independent randomisation (one layer at a time), and
    /// measures how alike each method's maps stay.
    /// </summary>
    /// <param name="model">The trained model (images in, class scores out). It is only read.</param>
    /// <param name="layer">The layer the CAM family explains (a module of <paramref name="model"/>).</param>
    /// <param name="images">The images, preprocessed as the model expects (N × C × H × W, on the model's device).</param>
    /// <param name="methods">The CAM-family methods to check.</param>
    /// <param name="options">What to run; null for both model randomisations with Guided Backpropagation and Guided Grad-CAM.</param>
    /// <param name="progress">Told after each batch, per stage: "original", "cascading", "independent".</param>
    /// <param name="cancellationToken">Stops between batches.</param>
    /// <returns>Every step's statistics, maps for the first images, and a verdict per method.</returns>
    /// <exception cref="ArgumentException">Bad arguments.</exception>
    /// <exception cref="CamLayerException">The layer is not a module of the model, or a layer named in the options is not.</exception>
    /// <exception cref="CamModelException">The model has no parameterised layer, or cannot be copied (no factory where one is needed, or a factory that builds another architecture).</exception>
    /// <exception cref="CamInputException">The images are smaller than SSIM needs.</exception>
    public static SanityCheckResult Run(
        nn.Module<Tensor, Tensor> model,
        nn.Module<Tensor, Tensor> layer,
        Tensor images,
        IReadOnlyList<CamMethod> methods,
        SanityCheckOptions? options = null,
        IProgress<CamProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        options ??= new SanityCheckOptions();
        Validate(model, layer, images, methods, options);
        var layerName = ModelCopy.NameOf(model, layer);
        using var copy = ModelCopy.Create(model, options.CreateModel);
        var layers = options.Layers ?? TopDown(copy, images, options.Blocks);
        if (layers.Count == 0)
        {
            throw new CamModelException("The model has no parameterised layer to randomise, so a sanity check by model randomisation cannot be made: check a model with weights.");
        }

        var modules = layers.Select(name => ModelCopy.Find(copy, name)).ToArray();
        var copyLayer = (nn.Module<Tensor, Tensor>)ModelCopy.Find(copy, layerName);
        var batches = (int)((images.shape[0] + options.BatchSize - 1) / options.BatchSize);
        var done = new Dictionary<string, int>();
        void Advance(string stage)
        {
            done[stage] = done.GetValueOrDefault(stage) + 1;
            progress?.Report(new CamProgress(stage, done[stage], stage == "original" ? batches : batches * layers.Count));
        }

        var family = new FamilyMaps(model, layer, methods, options.IncludeGuided);
        var keys = family.Keys;
        var original = ViewsOf(model, layer, images, methods, options, () => Advance("original"), cancellationToken);
        var steps = new List<SanityStep>();
        using var generator = new Generator((ulong)options.Seed);
        if (options.Cascading)
        {
            for (var d = 0; d < layers.Count; d++)
            {
                ModelCopy.Reinitialize(modules[d], generator);
                var randomised = ViewsOf(copy, copyLayer, images, methods, options, () => Advance("cascading"), cancellationToken);
                steps.Add(Step(SanityRandomization.Cascading, d + 1, layers[d], keys, original, randomised, options.GalleryImages));
            }
        }

        if (options.Independent)
        {
            for (var d = 0; d < layers.Count; d++)
            {
                ModelCopy.Load(model, copy);
                ModelCopy.Reinitialize(modules[d], generator);
                var randomised = ViewsOf(copy, copyLayer, images, methods, options, () => Advance("independent"), cancellationToken);
                steps.Add(Step(SanityRandomization.Independent, d + 1, layers[d], keys, original, randomised, options.GalleryImages));
            }
        }

        return new SanityCheckResult(keys, layers, Gallery(original, options.GalleryImages), steps, Verdicts(keys, family.Names, steps), (int)images.shape[0]) { MethodNames = family.Names };
    }

    /// <summary>
    /// Data randomisation: compares the maps of a model trained on true labels with those of the same architecture trained
    /// on the same images with permuted labels (for the built-in dataset, <see cref="Shapes.ShapesTrainingOptions.ShuffleLabels"/>).
    /// </summary>
    /// <param name="model">The model trained on true labels.</param>
    /// <param name="layer">Its explained layer.</param>
    /// <param name="shuffled">The model trained on shuffled labels.</param>
    /// <param name="shuffledLayer">Its explained layer (the same position).</param>
    /// <param name="images">The images, preprocessed, on the models' device.</param>
    /// <param name="methods">The CAM-family methods to check.</param>
    /// <param name="options">Guided methods, batch size and gallery size (the randomisation options are ignored).</param>
    /// <param name="progress">Told after each batch.</param>
    /// <param name="cancellationToken">Stops between batches.</param>
    /// <returns>One step (<see cref="SanityRandomization.Labels"/>) and a verdict per method.</returns>
    /// <exception cref="ArgumentException">Bad arguments.</exception>
    /// <exception cref="CamLayerException">A layer is not a module of its model.</exception>
    /// <exception cref="CamInputException">The images are smaller than SSIM needs.</exception>
    public static SanityCheckResult CompareLabels(
        nn.Module<Tensor, Tensor> model,
        nn.Module<Tensor, Tensor> layer,
        nn.Module<Tensor, Tensor> shuffled,
        nn.Module<Tensor, Tensor> shuffledLayer,
        Tensor images,
        IReadOnlyList<CamMethod> methods,
        SanityCheckOptions? options = null,
        IProgress<CamProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        options ??= new SanityCheckOptions();
        Validate(model, layer, images, methods, options);
        ArgumentNullException.ThrowIfNull(shuffled);
        ArgumentNullException.ThrowIfNull(shuffledLayer);
        ModelCopy.NameOf(shuffled, shuffledLayer);
        var batches = (int)((images.shape[0] + options.BatchSize - 1) / options.BatchSize);
        var done = 0;
        void Advance() => progress?.Report(new CamProgress("labels", ++done, 2 * batches));
        var family = new FamilyMaps(model, layer, methods, options.IncludeGuided);
        var keys = family.Keys;
        var original = ViewsOf(model, layer, images, methods, options, Advance, cancellationToken);
        var randomised = ViewsOf(shuffled, shuffledLayer, images, methods, options, Advance, cancellationToken);
        var step = Step(SanityRandomization.Labels, 0, "trained on shuffled labels", keys, original, randomised, options.GalleryImages);
        return new SanityCheckResult(keys, [], Gallery(original, options.GalleryImages), [step], Verdicts(keys, family.Names, [step]), (int)images.shape[0]) { MethodNames = family.Names };
    }

    private static IReadOnlyList<string> TopDown(nn.Module<Tensor, Tensor> copy, Tensor images, bool blocks)
    {
        using var sample = images[TensorIndex.Slice(0, 1)];
        return ModelCopy.TopDownLayers(copy, sample, blocks);
    }

    /// <summary>One image's map for one method, in the paper's three normalisations.</summary>
    private sealed record MapView(double[,] Absolute, double[,] Signed, double[,] Unit);

    /// <summary>Every image's views, a row per image and a column per method, and why any method failed (by key).</summary>
    private sealed record Views(MapView[][] Rows, IReadOnlyDictionary<string, string> Failures);

    private static Views ViewsOf(nn.Module<Tensor, Tensor> model, nn.Module<Tensor, Tensor> layer, Tensor images, IReadOnlyList<CamMethod> methods, SanityCheckOptions options, Action advance, CancellationToken cancellationToken)
    {
        var family = new FamilyMaps(model, layer, methods, options.IncludeGuided);
        var views = new List<MapView[]>();
        var failures = new Dictionary<string, string>();
        for (long start = 0; start < images.shape[0]; start += options.BatchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            var batch = images[TensorIndex.Slice(start, Math.Min(start + options.BatchSize, images.shape[0]))];
            var explained = family.Explain(batch, classes: null, keepPictures: false, cancellationToken);
            foreach (var (key, reason) in explained.Failures)
            {
                failures.TryAdd(key, reason);
            }

            var rows = new MapView[explained.Maps.Length][];
            Parallel.For(0, rows.Length, new ParallelOptions { CancellationToken = cancellationToken }, i => rows[i] = [.. explained.Maps[i].Select(View)]);
            views.AddRange(rows);
            advance();
        }

        return new Views([.. views], failures);
    }

    private static MapView View(FamilyMap map)
    {
        if (map.Gradients is { } picture)
        {
            return new MapView(MapComparison.AbsoluteNormalized(picture), MapComparison.DivergingNormalized(picture), MapComparison.MinMaxNormalized(MapComparison.ChannelSum(picture)));
        }

        var values = MapComparison.ToDouble(map.Map);
        return new MapView(MapComparison.AbsoluteNormalized(values), MapComparison.DivergingNormalized(values), MapComparison.MinMaxNormalized(values));
    }

    private static SanityStep Step(SanityRandomization randomization, int depth, string layer, IReadOnlyList<string> keys, Views originalViews, Views randomisedViews, int gallery)
    {
        var (original, randomised) = (originalViews.Rows, randomisedViews.Rows);
        var similarity = new Dictionary<string, MapSimilarity>();
        for (var m = 0; m < keys.Count; m++)
        {
            // A method that failed here (or with the learned weights) has no statistics at this step; the others go on.
            if (originalViews.Failures.TryGetValue(keys[m], out var failed) || randomisedViews.Failures.TryGetValue(keys[m], out failed))
            {
                var where = originalViews.Failures.ContainsKey(keys[m]) ? "with the learned weights" : randomization == SanityRandomization.Labels ? "on the shuffled-label model" : $"with {layer} re-initialised";
                similarity[keys[m]] = new MapSimilarity(double.NaN, double.NaN, double.NaN, double.NaN, 0) { Failure = $"could not be computed {where}: {failed}" };
                continue;
            }

            var statistics = new double[original.Length][];
            Parallel.For(0, original.Length, i =>
            {
                var (a, b) = (original[i][m], randomised[i][m]);
                var rows = a.Unit.GetLength(0);
                var cell = Math.Min(16, Math.Min(rows, a.Unit.GetLength(1)) / 3);
                statistics[i] =
                [
                    Ranked(a.Absolute, b.Absolute, MapComparison.SpearmanCorrelation(a.Absolute, b.Absolute)),
                    Ranked(a.Signed, b.Signed, MapComparison.SpearmanCorrelation(a.Signed, b.Signed)),
                    MapComparison.StructuralSimilarity(a.Unit, b.Unit, SsimDataRange),
                    Ranked(a.Unit, b.Unit, MapComparison.HogSimilarity(a.Unit, b.Unit, cell)),
                ];
            });

            double Mean(int k) => statistics.Select(s => s[k]).Where(double.IsFinite).DefaultIfEmpty(double.NaN).Average();
            similarity[keys[m]] = new MapSimilarity(Mean(0), Mean(1), Mean(2), Mean(3), original.Length);
        }

        return new SanityStep(randomization, depth, layer, similarity, Gallery(randomisedViews, gallery));
    }

    /// <summary>
    /// A rank correlation where one map (or both) is constant is undefined (SciPy gives NaN); for the checks a flat map
    /// against a structured one has changed completely (0), and two equal flat maps have not changed at all (1).
    /// </summary>
    private static double Ranked(double[,] a, double[,] b, double correlation) =>
        !double.IsNaN(correlation) ? correlation : a.Cast<double>().SequenceEqual(b.Cast<double>()) ? 1.0 : 0.0;

    private static IReadOnlyList<IReadOnlyList<float[,]>> Gallery(Views views, int count) =>
        [.. views.Rows.Take(count).Select(row => (IReadOnlyList<float[,]>)[.. row.Select(v => HostArrays.Select(v.Absolute, static a => (float)a))])];

    private static IReadOnlyList<SanityVerdict> Verdicts(IReadOnlyList<string> keys, IReadOnlyDictionary<string, string> names, IReadOnlyList<SanityStep> steps)
    {
        // The fullest randomisation: every layer random (cascading), else shuffled labels, else the most damaging single layer.
        var cascading = steps.Where(s => s.Randomization == SanityRandomization.Cascading).ToArray();
        var labels = steps.Where(s => s.Randomization == SanityRandomization.Labels).ToArray();
        return [.. keys.Select(key =>
        {
            var (step, what) = cascading.Length > 0
                ? (cascading[^1], $"all {cascading.Length} checked layers re-initialised")
                : labels.Length > 0
                    ? (labels[0], "the model trained on shuffled labels")
                    : steps.OrderBy(s => double.IsNaN(s.Similarity[key].SpearmanAbsolute) ? double.MaxValue : s.Similarity[key].SpearmanAbsolute).Select(s => (s, $"layer {s.Layer} re-initialised")).First();
            var (rank, ssim) = (step.Similarity[key].SpearmanAbsolute, step.Similarity[key].Ssim);
            var passes = rank < PassThreshold;
            var changed = step.Randomization == SanityRandomization.Labels ? "what the labels taught it" : "its learned weights";
            var name = names[key];
            if (step.Similarity[key].Failure is { } failure)
            {
                return new SanityVerdict(key, false, double.NaN, $"{name} could not be checked (with {what}): its maps {failure}") { Failure = failure };
            }

            var text = passes
                ? $"{name} depends on {changed}: with {what}, its maps' rank correlation with the original falls to {rank:F2} (SSIM {ssim:F2})."
                : $"{name} barely depends on {changed}: with {what}, its maps still correlate at {rank:F2} with the original (SSIM {ssim:F2}); its maps show the input more than the model.";
            return new SanityVerdict(key, passes, rank, text);
        })];
    }

    private static void Validate(nn.Module<Tensor, Tensor> model, nn.Module<Tensor, Tensor> layer, Tensor images, IReadOnlyList<CamMethod> methods, SanityCheckOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentNullException.ThrowIfNull(methods);
        Checks.RequireImageBatch(images, nameof(images));
        Checks.OnModelsDevice(model, images, "the image batch");

        if (images.shape[2] < 11 || images.shape[3] < 11)
        {
            throw new CamInputException($"The images are {images.shape[2]} × {images.shape[3]} pixels; SSIM needs at least 11 × 11: check larger images.");
        }

        if (methods.Any(m => m is null) || (methods.Count == 0 && !options.IncludeGuided))
        {
            throw new ArgumentException("Give at least one method (or IncludeGuided), and no null.", nameof(methods));
        }

        if (methods.Any(m => m is Cam))
        {
            throw new ArgumentException("CAM is bound to one model's classifier, so it would explain a randomised copy with the original's weights: leave it out of sanity checks (Grad-CAM equals it on a global-average-pooling model).", nameof(methods));
        }

        if (options.BatchSize < 1 || options.GalleryImages < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), $"BatchSize ({options.BatchSize}) must be at least 1 and GalleryImages ({options.GalleryImages}) at least 0.");
        }
    }
}
