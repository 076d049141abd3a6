using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Linq;

namespace CamSdk.Models;

/// <summary>
/// torchvision 0.14's state-dict keys and shapes for each of its classification builders (an embedded resource made by
/// the tests' make_reference.py), and which of them a weights file's keys are closest to.
/// </summary>
internal static class TorchvisionKeys
{
    private static readonly Lazy<IReadOnlyDictionary<string, IReadOnlyDictionary<string, long[]>>> All = new(Load);

    /// <summary>Each architecture's keys with their shapes, at 1000 classes.</summary>
    internal static IReadOnlyDictionary<string, IReadOnlyDictionary<string, long[]>> Architectures => All.Value;

    /// <summary>
    /// The architecture whose keys are closest to <paramref name="shapes"/>: the most keys in common over the keys of
    /// either (Jaccard), then the most shapes in common.
    /// </summary>
    /// <returns>The architecture, the fraction of keys in common, and the number of keys with the same shape.</returns>
    internal static (string Name, double KeyOverlap, int SameShapes) Closest(IReadOnlyDictionary<string, long[]> shapes)
    {
        return Architectures
            .Select(a =>
            {
                var common = a.Value.Keys.Count(shapes.ContainsKey);
                var same = a.Value.Count(e => shapes.TryGetValue(e.Key, out var s) && s.SequenceEqual(e.Value));
                return (Name: a.Key, KeyOverlap: common / (double)(a.Value.Count + shapes.Count - common), SameShapes: same);
            })
            .OrderByDescending(m => m.KeyOverlap)
            .ThenByDescending(m => m.SameShapes)
            .First();
    }

    private static IReadOnlyDictionary<string, IReadOnlyDictionary<string, long[]>> Load()
    {
        using var resource = typeof(TorchvisionKeys).Assembly.GetManifestResourceStream("CamSdk.Models.torchvision-keys.tsv.gz")
            ?? throw new InvalidOperationException("CamSdk.Models lacks its torchvision-keys resource.");
        using var reader = new StreamReader(new GZipStream(resource, CompressionMode.Decompress));
        var all = new Dictionary<string, Dictionary<string, long[]>>(StringComparer.Ordinal);
        for (var line = reader.ReadLine(); line is not null; line = reader.ReadLine())
        {
            var parts = line.Split('\t');
            if (parts.Length == 3)
            {
                if (!all.TryGetValue(parts[0], out var keys))
                {
                    all[parts[0]] = keys = new(StringComparer.Ordinal);
                }

                keys[parts[1]] = [.. parts[2].Split(',', StringSplitOptions.RemoveEmptyEntries).Select(d => long.Parse(d, CultureInfo.InvariantCulture))];
            }
        }

        return all.ToDictionary(e => e.Key, e => (IReadOnlyDictionary<string, long[]>)e.Value, StringComparer.Ordinal);
    }
}
