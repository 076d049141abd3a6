using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using CamSdk.Imaging;
using CamSdk.Internal;
using CamSdk.Methods;
using static TorchSharp.torch;

namespace CamSdk.Evaluation;

/// <summary>
/// Compares the faithfulness of the CAM family, Guided Backpropagation and Guided Grad-CAM on a set of images: for each
/// image, each method explains the model's top class, and <see cref="Faithfulness"/> measures deletion, insertion,
/// pytorch-grad-cam's confidence change and ROAD on its map.
/// </summary>
/// <remarks>
/// CAM heatmaps are used as computed (in [0, 1]); a gradient method's map is its saliency (the largest |gradient| over
/// channels) divided by its maximum.
/// </remarks>
public sealed class FaithfulnessEvaluator
{
    private readonly nn.Module<Tensor, Tensor> _model;
    private readonly FamilyMaps _family;
    private readonly ImagePreprocessor _preprocessor;

    /// <summary>Creates an evaluator.</summary>
    /// <param name="model">The model: images in, class scores (pre-softmax) out.</param>
    /// <param name="layer">The layer the CAM family explains.</param>
    /// <param name="methods">The CAM-family methods.</param>
    /// <param name="preprocessor">How an image becomes the model's input.</param>
    /// <param name="includeGuided">Also measure Guided Backpropagation and Guided Grad-CAM.</param>
    public FaithfulnessEvaluator(nn.Module<Tensor, Tensor> model, nn.Module<Tensor, Tensor> layer, IReadOnlyList<CamMethod> methods, ImagePreprocessor preprocessor, bool includeGuided = true)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentNullException.ThrowIfNull(methods);
        ArgumentNullException.ThrowIfNull(preprocessor);
        if (methods.Any(m => m is null) || (methods.Count == 0 && !includeGuided))
        {
            throw new ArgumentException("Give at least one method, and no null.", nameof(methods));
        }

        _model = model;
        _preprocessor = preprocessor;
        _family = new FamilyMaps(model, layer, methods, includeGuided);
    }

    /// <summary>Images explained per batch. Default 16.</summary>
    public int BatchSize { get; init; } = 16;

    /// <summary>Pixels per deletion and insertion step; null for the image's width (RISE's choice).</summary>
    public int? Step { get; init; }

    /// <summary>The deletion baseline; RISE's zeros by default.</summary>
    public PerturbationBaseline DeletionBaseline { get; init; } = PerturbationBaseline.Zero;

    /// <summary>The insertion baseline; RISE's blur by default.</summary>
    public PerturbationBaseline InsertionBaseline { get; init; } = PerturbationBaseline.Blur;

    /// <summary>ROAD's percentiles; pytorch-grad-cam's 10, …, 90 by default.</summary>
    public IReadOnlyList<double> Percentiles { get; init; } = Faithfulness.DefaultPercentiles;

    /// <summary>ROAD's imputation noise; 0.01 by default.</summary>
    public double Noise { get; init; } = RoadImputation.DefaultNoise;

    /// <summary>The seed of ROAD's noise. Default 0.</summary>
    public int Seed { get; init; }

    /// <summary>The score watched; the probability by default.</summary>
    public FaithfulnessScore Score { get; init; } = FaithfulnessScore.Probability;

    /// <summary>Measures every method on the images.</summary>
    /// <param name="images">The images.</param>
    /// <param name="progress">Told after each batch.</param>
    /// <param name="cancellationToken">Stops between batches.</param>
    /// <returns>Each method's figures.</returns>
    public FaithfulnessEvaluation Evaluate(IReadOnlyList<RgbImage> images, IProgress<CamProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.Count == 0 || images.Any(i => i is null))
        {
            throw new ArgumentException("Give at least one image, and no null.", nameof(images));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(BatchSize, 1);
        if (Percentiles is null || Percentiles.Count == 0 || Step is < 1 || !(Noise >= 0))
        {
            throw new ArgumentException($"Give at least one ROAD percentile, a step of at least 1 pixel (or null) and a noise of 0 or more (got {Percentiles?.Count ?? 0} percentiles, step {Step}, noise {Noise}).", nameof(images));
        }
        var keys = _family.Keys;
        var parts = keys.Select(_ => new List<Part>()).ToArray();
        var failed = new Dictionary<string, string>();
        var device = _model.parameters().FirstOrDefault()?.device ?? CPU;
        for (var start = 0; start < images.Count; start += BatchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            var batch = images.Skip(start).Take(BatchSize).ToArray();
            var input = _preprocessor.ToBatch(batch).to(device);
            var explained = _family.Explain(input, classes: null, keepPictures: false, cancellationToken);
            var measured = new List<(float[][,] Maps, int Key)>();
            for (var m = 0; m < keys.Count; m++)
            {
                // A method that failed on any batch has no figures; the others are still measured.
                if (explained.Failures.TryGetValue(keys[m], out var reason) || failed.ContainsKey(keys[m]))
                {
                    failed.TryAdd(keys[m], reason!);
                    continue;
                }

                var maps = explained.Maps.Select(row => row[m].Gradients is null ? row[m].Map : Unit(row[m].Map)).ToArray();
                // Methods that coincide on this model (Grad-CAM, XGrad-CAM, HiRes-CAM and CAM on a global-average-pooling
                // network) give the same figures: measure identical maps once.
                if (measured.FirstOrDefault(x => x.Maps.Zip(maps, Same).All(same => same)) is { Maps: not null } same)
                {
                    parts[m].Add(parts[same.Key][^1]);
                    continue;
                }

                measured.Add((maps, m));
                var deletion = Faithfulness.Deletion(_model, input, maps, explained.Classes, DeletionBaseline, Step, Score, cancellationToken);
                var insertion = Faithfulness.Insertion(_model, input, maps, explained.Classes, InsertionBaseline, Step, Score, cancellationToken);
                var change = Faithfulness.ConfidenceChange(_model, input, maps, explained.Classes, Score, cancellationToken);
                var road = Faithfulness.RoadCombined(_model, input, maps, explained.Classes, Percentiles, Noise, Seed + start, Score, cancellationToken);
                parts[m].Add(new Part(deletion, insertion, change, road, batch.Length));
            }

            progress?.Report(new CamProgress("faithfulness", start + batch.Length, images.Count));
        }

        var methods = keys.Select((key, m) =>
        {
            if (failed.TryGetValue(key, out var reason))
            {
                var none = new FaithfulnessCurve([], [], double.NaN, []);
                return new MethodFaithfulness(key, none, none, double.NaN, double.NaN, double.NaN, [], [], double.NaN) { Failure = reason, MethodName = _family.Names[key] };
            }

            var p = parts[m];
            var changes = p.SelectMany(x => x.Change).ToArray();
            double Weighted(Func<Part, double> value) =>
                p.Sum(x => value(x) * x.Count) / images.Count;
            FaithfulnessCurve Merge(Func<Part, FaithfulnessCurve> curve)
            {
                var first = curve(p[0]);
                var scores = first.Scores.Select((_, k) => Weighted(x => curve(x).Scores[k])).ToArray();
                var areas = p.SelectMany(x => curve(x).Areas).ToArray();
                return new FaithfulnessCurve(first.Fractions, scores, areas.Average(), areas);
            }

            return new MethodFaithfulness(
                key,
                Merge(x => x.Deletion),
                Merge(x => x.Insertion),
                changes.Average(),
                changes.Average(c => Math.Max(-c, 0)),
                changes.Average(c => c > 0 ? 1.0 : 0.0),
                [.. Percentiles.Select((_, k) => Weighted(x => x.Road.MostRelevantFirst[k]))],
                [.. Percentiles.Select((_, k) => Weighted(x => x.Road.LeastRelevantFirst[k]))],
                p.SelectMany(x => x.Road.Combined).Average()) { MethodName = _family.Names[key] };
        }).ToArray();
        var settings = string.Create(
            CultureInfo.InvariantCulture,
            $"{(Score == FaithfulnessScore.Probability ? "softmax probability" : "logit")} of the top class; deletion to {DeletionBaseline.ToString().ToLowerInvariant()}, insertion from {InsertionBaseline.ToString().ToLowerInvariant()}, " +
            $"{(Step is { } step ? $"{step} pixels" : "one image width of pixels")} per step; ROAD at percentiles {string.Join(", ", Percentiles)} with noise {Noise}");
        return new FaithfulnessEvaluation(methods, Percentiles, images.Count, settings);
    }

    /// <summary>One batch's figures for one method.</summary>
    private sealed record Part(FaithfulnessCurve Deletion, FaithfulnessCurve Insertion, double[] Change, RoadScores Road, int Count);

    private static bool Same(float[,] a, float[,] b) =>
        a.GetLength(0) == b.GetLength(0) && a.GetLength(1) == b.GetLength(1) && a.Cast<float>().SequenceEqual(b.Cast<float>());

    private static float[,] Unit(float[,] map)
    {
        var max = 0f;
        foreach (var v in map)
        {
            max = Math.Max(max, v);
        }

        return HostArrays.Select(map, v => max > 0 ? v / max : 0f);
    }
}
