using System;
using System.Collections.Generic;
using System.Linq;

namespace CamSdk.Evaluation;

/// <summary>One one-object image's localisation outcome: misclassified or not, and per method (the centred box last) whether its box was right and its maximum inside the ground truth.</summary>
internal sealed record LocalizationOutcome(int Index, bool Misclassified, bool[] Located, bool[] Pointing);

/// <summary>One two-object image's mass shares, [object × method]: each object's class's map inside its own box and inside the other's.</summary>
internal sealed record DiscriminationOutcome(int Index, double[] Own, double[] Other);

/// <summary>An example a report shows, with its image's index in the whole list.</summary>
internal sealed record IndexedExample(int Index, ExplainedImage Example);

/// <summary>What one shard measured of a localisation: images <c>Start</c> to <c>End − 1</c> of <c>Total</c>.</summary>
internal sealed record LocalizationPart(
    string[] Keys,
    string[] Names,
    int Total,
    int BoxWidth,
    int BoxHeight,
    int Start,
    int End,
    IReadOnlyList<LocalizationOutcome> Outcomes,
    IReadOnlyList<IndexedExample> Gallery,
    IReadOnlyList<IndexedExample> Failures,
    IReadOnlyDictionary<string, string> Failed,
    int FailureImages);

/// <summary>What one shard measured of a class discrimination: images <c>Start</c> to <c>End − 1</c> of <c>Total</c>.</summary>
internal sealed record DiscriminationPart(
    string[] Keys,
    string[] Names,
    int Total,
    int Start,
    int End,
    IReadOnlyList<DiscriminationOutcome> Outcomes,
    IReadOnlyList<IndexedExample> Gallery,
    IReadOnlyDictionary<string, string> Failed);

/// <summary>
/// Shards' outcomes combined into the whole run's figures, image by image in the whole list's order: counts are
/// integers, and sums of shares are added in the order the whole run adds them, so the figures are the same to the
/// last digit however the work was split. The whole run is one part.
/// </summary>
internal static class EvaluationParts
{
    /// <summary>The figures of the parts' images: the whole list's when the parts cover it (<paramref name="whole"/>), else one part's own.</summary>
    internal static LocalizationEvaluation Combine(IReadOnlyList<LocalizationPart> parts, bool whole = true)
    {
        var ordered = Contiguous(parts, p => (p.Start, p.End, p.Total, p.Outcomes.Count), "localisation", whole);
        var first = ordered[0];
        var keys = first.Keys;
        var outcomes = ordered.SelectMany(p => p.Outcomes).ToArray();
        var total = outcomes.Length;
        var failed = FirstFailures(ordered.Select(p => p.Failed));
        var methods = keys.Select((key, m) => (failed.TryGetValue(key, out var reason)
            ? new MethodLocalization(key, double.NaN, double.NaN, double.NaN, total) { Failure = reason }
            : new MethodLocalization(
                key,
                (double)outcomes.Count(o => o.Misclassified || !o.Located[m]) / total,
                (double)outcomes.Count(o => !o.Located[m]) / total,
                (double)outcomes.Count(o => o.Pointing[m]) / total,
                total)) with { MethodName = first.Names[m] }).ToArray();
        var misclassified = outcomes.Count(o => o.Misclassified);
        return new LocalizationEvaluation(
            methods,
            (double)(total - misclassified) / total,
            total,
            (first.BoxWidth, first.BoxHeight),
            [.. ordered.SelectMany(p => p.Gallery).OrderBy(e => e.Index).Select(e => e.Example)],
            [.. ordered.SelectMany(p => p.Failures).OrderBy(e => e.Index).Take(first.FailureImages).Select(e => e.Example)],
            misclassified);
    }

    internal static DiscriminationEvaluation Combine(IReadOnlyList<DiscriminationPart> parts, bool whole = true)
    {
        var ordered = Contiguous(parts, p => (p.Start, p.End, p.Total, p.Outcomes.Count), "discrimination", whole);
        var first = ordered[0];
        var keys = first.Keys;
        var total = ordered.Sum(p => p.Outcomes.Count);
        var (own, other) = (new double[keys.Length], new double[keys.Length]);
        foreach (var outcome in ordered.SelectMany(p => p.Outcomes))
        {
            for (var o = 0; o < 2; o++)
            {
                for (var m = 0; m < keys.Length; m++)
                {
                    own[m] += outcome.Own[(o * keys.Length) + m];
                    other[m] += outcome.Other[(o * keys.Length) + m];
                }
            }
        }

        var failed = FirstFailures(ordered.Select(p => p.Failed));
        var maps = 2 * total;
        var methods = keys.Select((key, m) => (failed.TryGetValue(key, out var reason)
            ? new MethodDiscrimination(key, double.NaN, double.NaN, maps) { Failure = reason }
            : new MethodDiscrimination(key, own[m] / maps, other[m] / maps, maps)) with { MethodName = first.Names[m] }).ToArray();
        return new DiscriminationEvaluation(methods, total, [.. ordered.SelectMany(p => p.Gallery).OrderBy(e => e.Index).Select(e => e.Example)]);
    }

    /// <summary>The parts in order, checked to follow each other with one outcome per image and, when <paramref name="whole"/>, to cover images 0 to Total − 1.</summary>
    private static T[] Contiguous<T>(IReadOnlyList<T> parts, Func<T, (int Start, int End, int Total, int Outcomes)> range, string what, bool whole)
    {
        if (parts.Count == 0)
        {
            throw new CamException($"No {what} part to combine.");
        }

        var ordered = parts.OrderBy(p => range(p).Start).ToArray();
        var total = range(ordered[0]).Total;
        var next = whole ? 0 : range(ordered[0]).Start;
        foreach (var (start, end, partTotal, count) in ordered.Select(range))
        {
            if (partTotal != total || start != next || end < start || count != end - start)
            {
                throw new CamException(
                    $"The {what} parts do not cover the {total} images once each: a part has images {start} to {end - 1} of {partTotal} where images from {next} were expected.");
            }

            next = end;
        }

        return next == total || !whole
            ? ordered
            : throw new CamException($"The {what} parts cover images 0 to {next - 1} of {total}: the rest are missing.");
    }

    /// <summary>Each method's first failure, in the order of the parts (the whole run's batch order).</summary>
    private static Dictionary<string, string> FirstFailures(IEnumerable<IReadOnlyDictionary<string, string>> parts)
    {
        var failed = new Dictionary<string, string>();
        foreach (var part in parts)
        {
            Collect(failed, part);
        }

        return failed;
    }

    /// <summary>Keeps the first reason each method failed for (a batch's, or a part's): a method that fails anywhere has no figures.</summary>
    internal static void Collect(Dictionary<string, string> failed, IReadOnlyDictionary<string, string> more)
    {
        foreach (var (key, reason) in more)
        {
            failed.TryAdd(key, reason);
        }
    }
}
