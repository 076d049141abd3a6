using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using CamSdk.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace CamSdk.Evaluation;

/// <summary>
/// Faithfulness metrics: does the model's score follow what a map says matters? Each follows its source: deletion and
/// insertion (Petsiuk et al., "RISE", BMVC 2018, its <c>CausalMetric</c>), pytorch-grad-cam's confidence change when the
/// image is multiplied by the map (<c>CamMultImageConfidenceChange</c>), and ROAD (Rong et al., ICML 2022, as
/// pytorch-grad-cam's <c>ROADMostRelevantFirst</c>, <c>ROADLeastRelevantFirst</c> and <c>ROADCombined</c>).
/// </summary>
/// <remarks>
/// <para>
/// Images are the model's input (N × C × H × W, normalised, on the model's device); maps are [row, column] at the input's
/// size, one per image, higher meaning more relevant (CAM heatmaps in [0, 1] as <see cref="CamResult.HeatmapToArray"/>
/// gives them). Perturbed images are built on the images' device and scored in batches, with the model in evaluation mode
/// under its lock and left as it was found.
/// </para>
/// <para>
/// Departures, documented: RISE orders pixels with NumPy's unstable <c>argsort</c>, so its order among tied values is
/// unspecified; CamSdk breaks ties by the higher flat index first (the flip of a stable ascending sort).
/// </para>
/// </remarks>
public static class Faithfulness
{
    /// <summary>Perturbed images scored per forward pass.</summary>
    private const int ScoringBatchSize = 128;

    /// <summary>
    /// The deletion curve: pixels are replaced by the baseline in the map's order, <paramref name="step"/> pixels at a time
    /// (in every channel), and the class's score is read after each step, from the intact image to the fully removed one. A
    /// faithful map makes it fall fast: a small area is good.
    /// </summary>
    /// <param name="model">The model.</param>
    /// <param name="images">The images, as the model's input.</param>
    /// <param name="maps">One map per image.</param>
    /// <param name="classes">The class explained in each image.</param>
    /// <param name="baseline">What removed pixels become; RISE's deletion uses <see cref="PerturbationBaseline.Zero"/>.</param>
    /// <param name="step">Pixels per step; RISE uses the image's width (224 for 224 × 224).</param>
    /// <param name="score">The score watched; RISE's is the probability.</param>
    /// <param name="cancellationToken">Stops between batches.</param>
    /// <returns>The mean curve and the areas.</returns>
    public static FaithfulnessCurve Deletion(nn.Module<Tensor, Tensor> model, Tensor images, IReadOnlyList<float[,]> maps, IReadOnlyList<int> classes, PerturbationBaseline baseline = PerturbationBaseline.Zero, int? step = null, FaithfulnessScore score = FaithfulnessScore.Probability, CancellationToken cancellationToken = default) =>
        Causal(model, images, maps, classes, deletion: true, baseline, step, score, cancellationToken);

    /// <summary>
    /// The insertion curve: starting from the baseline, the image's pixels are put back in the map's order,
    /// <paramref name="step"/> at a time. A faithful map makes the score rise fast: a large area is good.
    /// </summary>
    /// <param name="model">The model.</param>
    /// <param name="images">The images, as the model's input.</param>
    /// <param name="maps">One map per image.</param>
    /// <param name="classes">The class explained in each image.</param>
    /// <param name="baseline">What the image starts as; RISE's insertion uses <see cref="PerturbationBaseline.Blur"/>.</param>
    /// <param name="step">Pixels per step; RISE uses the image's width.</param>
    /// <param name="score">The score watched; RISE's is the probability.</param>
    /// <param name="cancellationToken">Stops between batches.</param>
    /// <returns>The mean curve and the areas.</returns>
    public static FaithfulnessCurve Insertion(nn.Module<Tensor, Tensor> model, Tensor images, IReadOnlyList<float[,]> maps, IReadOnlyList<int> classes, PerturbationBaseline baseline = PerturbationBaseline.Blur, int? step = null, FaithfulnessScore score = FaithfulnessScore.Probability, CancellationToken cancellationToken = default) =>
        Causal(model, images, maps, classes, deletion: false, baseline, step, score, cancellationToken);

    /// <summary>
    /// pytorch-grad-cam's <c>CamMultImageConfidenceChange</c>: the class's score on the input multiplied by the map, minus
    /// its score on the input. Its <c>DropInConfidence</c> is max(−change, 0) and <c>IncreaseInConfidence</c> is change &gt; 0.
    /// </summary>
    /// <param name="model">The model.</param>
    /// <param name="images">The images, as the model's input (the map multiplies the normalised input, as in pytorch-grad-cam).</param>
    /// <param name="maps">One map per image, in [0, 1].</param>
    /// <param name="classes">The class explained in each image.</param>
    /// <param name="score">The score watched.</param>
    /// <param name="cancellationToken">Stops between batches.</param>
    /// <returns>Each image's change.</returns>
    public static double[] ConfidenceChange(nn.Module<Tensor, Tensor> model, Tensor images, IReadOnlyList<float[,]> maps, IReadOnlyList<int> classes, FaithfulnessScore score = FaithfulnessScore.Probability, CancellationToken cancellationToken = default)
    {
        Validate(model, images, maps, classes);
        using var scope = NewDisposeScope();
        var weights = MapTensor(maps, images.device).unsqueeze(1).to(images.dtype);
        var before = Scores(model, images, classes, score, cancellationToken);
        var after = Scores(model, images * weights, classes, score, cancellationToken);
        return [.. after.Select((a, i) => a - before[i])];
    }

    /// <summary>
    /// ROAD at one percentile, as pytorch-grad-cam computes it: most relevant first removes the pixels whose map value is at
    /// least the map's <paramref name="percentile"/>-th percentile (so percentile 80 removes the top 20%); least relevant
    /// first does the same on 1 − map (so percentile 80 removes the 20% least relevant). Removed pixels are imputed by
    /// <see cref="RoadImputation"/>; the result is the score after imputation minus the score before.
    /// </summary>
    /// <param name="model">The model.</param>
    /// <param name="images">The images, as the model's input.</param>
    /// <param name="maps">One map per image.</param>
    /// <param name="classes">The class explained in each image.</param>
    /// <param name="order">Most or least relevant first.</param>
    /// <param name="percentile">The percentile, 0 to 100 (NumPy's linear interpolation).</param>
    /// <param name="noise">The imputation's noise; pytorch-grad-cam's 0.01 by default.</param>
    /// <param name="seed">The noise's seed.</param>
    /// <param name="score">The score watched.</param>
    /// <param name="cancellationToken">Stops between batches.</param>
    /// <returns>Each image's change.</returns>
    public static double[] Road(nn.Module<Tensor, Tensor> model, Tensor images, IReadOnlyList<float[,]> maps, IReadOnlyList<int> classes, RoadOrder order, double percentile, double noise = RoadImputation.DefaultNoise, int seed = 0, FaithfulnessScore score = FaithfulnessScore.Probability, CancellationToken cancellationToken = default) =>
        RoadAt(model, images, maps, classes, [(order, percentile)], noise, seed, score, cancellationToken)[0];

    /// <summary>
    /// pytorch-grad-cam's <c>ROADCombined</c>: the mean over <paramref name="percentiles"/> of (least-relevant-first change −
    /// most-relevant-first change) / 2. Higher is more faithful.
    /// </summary>
    /// <param name="model">The model.</param>
    /// <param name="images">The images, as the model's input.</param>
    /// <param name="maps">One map per image.</param>
    /// <param name="classes">The class explained in each image.</param>
    /// <param name="percentiles">The percentiles; null for pytorch-grad-cam's 10, 20, …, 90.</param>
    /// <param name="noise">The imputation's noise.</param>
    /// <param name="seed">The noise's seed.</param>
    /// <param name="score">The score watched.</param>
    /// <param name="cancellationToken">Stops between batches.</param>
    /// <returns>Each image's combined score, and the mean change per percentile for each order (for curves).</returns>
    public static RoadScores RoadCombined(nn.Module<Tensor, Tensor> model, Tensor images, IReadOnlyList<float[,]> maps, IReadOnlyList<int> classes, IReadOnlyList<double>? percentiles = null, double noise = RoadImputation.DefaultNoise, int seed = 0, FaithfulnessScore score = FaithfulnessScore.Probability, CancellationToken cancellationToken = default)
    {
        percentiles ??= DefaultPercentiles;
        if (percentiles.Count == 0)
        {
            throw new ArgumentException("Give at least one percentile.", nameof(percentiles));
        }

        var settings = percentiles.Select(p => (RoadOrder.MostRelevantFirst, p)).Concat(percentiles.Select(p => (RoadOrder.LeastRelevantFirst, p))).ToArray();
        var changes = RoadAt(model, images, maps, classes, settings, noise, seed, score, cancellationToken);
        var k = percentiles.Count;
        var combined = Enumerable.Range(0, maps.Count).Select(i => Enumerable.Range(0, k).Average(p => (changes[k + p][i] - changes[p][i]) / 2)).ToArray();
        return new RoadScores(combined, [.. changes.Take(k).Select(c => c.Average())], [.. changes.Skip(k).Select(c => c.Average())]);
    }

    /// <summary>pytorch-grad-cam's ROAD percentiles: 10, 20, …, 90.</summary>
    public static IReadOnlyList<double> DefaultPercentiles { get; } = [10, 20, 30, 40, 50, 60, 70, 80, 90];

    private static double[][] RoadAt(nn.Module<Tensor, Tensor> model, Tensor images, IReadOnlyList<float[,]> maps, IReadOnlyList<int> classes, (RoadOrder Order, double Percentile)[] settings, double noise, int seed, FaithfulnessScore score, CancellationToken cancellationToken)
    {
        Validate(model, images, maps, classes);
        foreach (var (_, percentile) in settings)
        {
            if (percentile is < 0 or > 100 || double.IsNaN(percentile))
            {
                throw new ArgumentOutOfRangeException(nameof(settings), percentile, "ROAD's percentiles must be 0 to 100.");
            }
        }

        using var scope = NewDisposeScope();
        var count = maps.Count;
        var host = images.detach().to(float32).cpu();
        var pictures = Enumerable.Range(0, count).Select(i => HostArrays.Cube(host, i, "images")).ToArray();
        var before = Scores(model, images, classes, score, cancellationToken);
        var result = new double[settings.Length][];
        for (var s = 0; s < settings.Length; s++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (order, percentile) = settings[s];
            using var settingScope = NewDisposeScope();
            var imputed = new float[count][,,];
            Parallel.For(0, count, new ParallelOptions { CancellationToken = cancellationToken }, i =>
            {
                var map = order == RoadOrder.MostRelevantFirst ? maps[i] : HostArrays.Select(maps[i], static v => 1 - v);
                var values = new List<double>(map.Length);
                foreach (var v in map)
                {
                    values.Add(v);
                }

                var threshold = MapComparison.Percentile(values, percentile);
                var keep = new bool[map.GetLength(0), map.GetLength(1)];
                for (var r = 0; r < map.GetLength(0); r++)
                {
                    for (var c = 0; c < map.GetLength(1); c++)
                    {
                        keep[r, c] = map[r, c] < threshold;
                    }
                }

                imputed[i] = RoadImputation.Impute(pictures[i], keep, noise, new Random(NoiseSeed(seed, s, i)));
            });
            var batch = stack(imputed.Select(p => tensor(p)).ToArray()).to(images.dtype).to(images.device);
            var after = Scores(model, batch, classes, score, cancellationToken);
            result[s] = [.. after.Select((a, i) => a - before[i])];
        }

        return result;
    }

    /// <summary>The noise's seed for one setting and image: the same in every process (unlike <see cref="HashCode"/>).</summary>
    private static int NoiseSeed(int seed, int setting, int image) => unchecked((seed * 1_000_003) ^ (setting * 7_919) ^ (image * 104_729));

    private static FaithfulnessCurve Causal(nn.Module<Tensor, Tensor> model, Tensor images, IReadOnlyList<float[,]> maps, IReadOnlyList<int> classes, bool deletion, PerturbationBaseline baseline, int? step, FaithfulnessScore score, CancellationToken cancellationToken)
    {
        Validate(model, images, maps, classes);
        var (count, height, width) = ((int)images.shape[0], (int)images.shape[2], (int)images.shape[3]);
        var pixels = height * width;
        var stride = step ?? width;
        if (stride < 1 || stride > pixels)
        {
            throw new ArgumentOutOfRangeException(nameof(step), stride, $"The step must be 1 to {pixels} pixels (the image's area).");
        }

        var steps = (pixels + stride - 1) / stride;
        using var scope = NewDisposeScope();
        var substrate = Substrate(images, baseline);
        var (start, finish) = deletion ? (images, substrate) : (substrate, images);
        var rank = Ranks(maps, images.device).view(count, 1, height, width);
        var curves = new double[count][];
        for (var i = 0; i < count; i++)
        {
            curves[i] = new double[steps + 1];
        }

        // All steps of all images, scored in batches of whole steps.
        var stepsPerBatch = Math.Max(1, ScoringBatchSize / count);
        var expandedClasses = new List<int>();
        for (var first = 0; first <= steps; first += stepsPerBatch)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var batchScope = NewDisposeScope();
            var last = Math.Min(steps, first + stepsPerBatch - 1);
            var perturbed = new List<Tensor>();
            expandedClasses.Clear();
            for (var k = first; k <= last; k++)
            {
                using var threshold = ((long)k * stride).ToScalar();
                var replaced = rank.lt(threshold);
                perturbed.Add(where(replaced, finish, start));
                expandedClasses.AddRange(classes);
            }

            var scores = Scores(model, cat(perturbed, 0), expandedClasses, score, cancellationToken);
            for (var k = first; k <= last; k++)
            {
                for (var i = 0; i < count; i++)
                {
                    curves[i][k] = scores[(k - first) * count + i];
                }
            }
        }

        var areas = curves.Select(c => (c.Sum() - c[0] / 2 - c[^1] / 2) / (c.Length - 1)).ToArray();
        var fractions = Enumerable.Range(0, steps + 1).Select(k => Math.Min(1.0, (double)k * stride / pixels)).ToArray();
        var mean = Enumerable.Range(0, steps + 1).Select(k => curves.Average(c => c[k])).ToArray();
        return new FaithfulnessCurve(fractions, mean, areas.Average(), areas);
    }

    /// <summary>Each pixel's position in the map's order (0 = most relevant), ties by the higher flat index first.</summary>
    private static Tensor Ranks(IReadOnlyList<float[,]> maps, Device device)
    {
        var (rows, columns) = (maps[0].GetLength(0), maps[0].GetLength(1));
        var ranks = new long[maps.Count * rows * columns];
        for (var i = 0; i < maps.Count; i++)
        {
            var map = maps[i];
            var order = Enumerable.Range(0, rows * columns).OrderByDescending(p => map[p / columns, p % columns]).ThenByDescending(p => p).ToArray();
            for (var position = 0; position < order.Length; position++)
            {
                ranks[i * rows * columns + order[position]] = position;
            }
        }

        return tensor(ranks).to(device);
    }

    private static Tensor Substrate(Tensor images, PerturbationBaseline baseline)
    {
        switch (baseline)
        {
            case PerturbationBaseline.Zero:
                return zeros_like(images);
            case PerturbationBaseline.Mean:
                return images.mean([2, 3], keepdim: true).expand_as(images).contiguous();
            case PerturbationBaseline.Blur:
                // RISE: gkern(11, 5) = scipy's gaussian_filter(σ = 5) of an 11 × 11 delta, one kernel per channel, zero padding 5.
                const int Side = 11;
                var delta = new double[Side, Side];
                delta[Side / 2, Side / 2] = 1;
                var kernel = GaussianFilter.Apply(delta, 5.0);
                var weights = tensor(kernel.Cast<double>().ToArray(), [1, 1, Side, Side]).to(images.dtype).to(images.device);
                var channels = images.shape[1];
                return nn.functional.conv2d(images, weights.expand(channels, 1, Side, Side), padding: [Side / 2, Side / 2], groups: channels);
            default:
                throw new ArgumentOutOfRangeException(nameof(baseline), baseline, "Unknown baseline.");
        }
    }

    private static Tensor MapTensor(IReadOnlyList<float[,]> maps, Device device) =>
        stack(maps.Select(m => tensor(m)).ToArray()).to(device);

    /// <summary>Each row's score for its class, in batches, with the model in evaluation mode under its lock.</summary>
    private static double[] Scores(nn.Module<Tensor, Tensor> model, Tensor inputs, IReadOnlyList<int> classes, FaithfulnessScore score, CancellationToken cancellationToken)
    {
        var result = ModelState.InEvaluationMode(model, () =>
        {
            // Each row's score is picked on the model's device and read to the host once for all batches: a curve scores
            // hundreds of perturbed batches, which on a GPU would otherwise each wait for a copy of the whole output.
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var index = tensor(classes.Select(c => (long)c).ToArray(), device: inputs.device).unsqueeze(1);
            var picked = new List<Tensor>();
            for (long start = 0; start < inputs.shape[0]; start += ScoringBatchSize)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var end = Math.Min(inputs.shape[0], start + ScoringBatchSize);
                using var batch = NewDisposeScope();
                var output = model.call(inputs[TensorIndex.Slice(start, end)]).to(float64);
                var width = (int)output.shape[1];
                if (classes.Select(c => (int?)c).FirstOrDefault(c => c < 0 || c >= width) is { } wrong)
                {
                    throw new CamTargetException($"The model gives {width} scores; class {wrong} is not one of them: explain classes 0 to {width - 1}.");
                }

                if (score == FaithfulnessScore.Probability)
                {
                    output = output.softmax(1);
                }

                picked.Add(output.gather(1, index[TensorIndex.Slice(start, end)]).squeeze(1).MoveToOuterDisposeScope());
            }

            return cat(picked).cpu().data<double>().ToArray();
        });

        if (!result.All(double.IsFinite))
        {
            throw new CamException("The model's scores are not finite (NaN or infinite) on the perturbed images: check the model and the input's range.");
        }

        return result;
    }

    private static void Validate(nn.Module<Tensor, Tensor> model, Tensor images, IReadOnlyList<float[,]> maps, IReadOnlyList<int> classes)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(maps);
        ArgumentNullException.ThrowIfNull(classes);
        Checks.RequireImageBatch(images, nameof(images));
        Checks.OnModelsDevice(model, images, "the image batch");

        if (maps.Count != images.shape[0] || classes.Count != images.shape[0])
        {
            throw new ArgumentException($"Give one map and one class per image: {images.shape[0]} image(s), {maps.Count} map(s), {classes.Count} class(es).", nameof(maps));
        }

        foreach (var map in maps)
        {
            ArgumentNullException.ThrowIfNull(map, nameof(maps));
            if (map.GetLength(0) != images.shape[2] || map.GetLength(1) != images.shape[3])
            {
                throw new ArgumentException($"A map is {map.GetLength(0)} × {map.GetLength(1)} but the images are {images.shape[2]} × {images.shape[3]}: give maps at the input's size (e.g. CamResult.HeatmapToArray).", nameof(maps));
            }

            foreach (var v in map)
            {
                if (float.IsNaN(v))
                {
                    throw new CamNumericException("A map holds NaN: the explanation that made it failed numerically.");
                }
            }
        }
    }
}
