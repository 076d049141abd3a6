using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using CamSdk.Internal;

namespace CamSdk.Evaluation;

/// <summary>
/// What one shard of an evaluation measured (<see cref="LocalizationEvaluator.EvaluatePart"/>): every image's outcome,
/// not averages, the examples a report would show from its images, and what it was computed from. Parts of one
/// evaluation, written by separate jobs, <see cref="Merge"/> into the report the whole run writes, figure for figure.
/// </summary>
public sealed class EvaluationPart
{
    /// <summary>The version of the part file's format.</summary>
    public const int FormatVersion = 1;

    internal EvaluationPart(EvaluationShard shard, IReadOnlyList<KeyValuePair<string, string>> identity, EvaluationReport report, LocalizationPart localization, DiscriminationPart? discrimination)
    {
        Shard = shard;
        Identity = identity;
        Report = report;
        Localization = localization;
        Discrimination = discrimination;
    }

    /// <summary>Which part of how many.</summary>
    public EvaluationShard Shard { get; }

    /// <summary>
    /// What the part was computed from (model, weights' SHA-256, layer, methods, dataset, sizes, device): parts merge only
    /// when all of these are the same.
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, string>> Identity { get; }

    /// <summary>The part's own report: its images' figures alone, with the whole evaluation's title, model and dataset.</summary>
    public EvaluationReport Report { get; }

    /// <summary>The one-object images this part evaluated (indices in the whole list: <see cref="Report"/>'s localisation).</summary>
    public int Images => Localization.End - Localization.Start;

    /// <summary>The two-object images this part evaluated.</summary>
    public int Pairs => Discrimination is { } d ? d.End - d.Start : 0;

    /// <summary>Where the part was read from or written to, for messages; null for one in memory.</summary>
    public string? Path { get; private set; }

    internal LocalizationPart Localization { get; }

    internal DiscriminationPart? Discrimination { get; }

    /// <summary>Writes the part as JSON (images and maps included, losslessly).</summary>
    /// <param name="path">The file to write.</param>
    public void Write(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        File.WriteAllText(path, JsonSerializer.Serialize(EvaluationPartJson.ToFile(this), EvaluationPartJson.Options));
        Path = path;
    }

    /// <summary>Reads a part that <see cref="Write"/> wrote.</summary>
    /// <param name="path">The part file.</param>
    /// <returns>The part.</returns>
    /// <exception cref="CamException">The file is missing, not a part file, of another format version, or damaged.</exception>
    public static EvaluationPart Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var text = System.Text.Encoding.UTF8.GetString(UserFiles.ReadAllBytes(path, "evaluation part", m => new CamException(m)));
        EvaluationPartJson.PartFile? file;
        try
        {
            file = JsonSerializer.Deserialize<EvaluationPartJson.PartFile>(text, EvaluationPartJson.Options);
        }
        catch (Exception e) when (e is JsonException or ArgumentException or FormatException or NotSupportedException or InvalidOperationException)
        {
            throw new CamException($"'{path}' is not an evaluation part CamSdk can read ({e.Message}): give the files camsdk evaluate --shard wrote.", e);
        }

        if (file is null || file.Format != FormatVersion || file.Localization is null || file.Identity is null || file.Header is null)
        {
            throw new CamException($"'{path}' is not an evaluation part of format {FormatVersion}: give the files camsdk evaluate --shard wrote (with this version of CamSdk).");
        }

        var part = EvaluationPartJson.FromFile(file, path);
        part.Path = path;
        return part;
    }

    /// <summary>
    /// The report of the whole evaluation from all its parts, in any order: the same figures, gallery and examples the
    /// whole run gives.
    /// </summary>
    /// <param name="parts">Every part of one evaluation, once each.</param>
    /// <returns>The whole evaluation's report.</returns>
    /// <exception cref="CamException">
    /// Parts of different evaluations (another model, weights, dataset, setting or shard count: the message names the
    /// parts and what differs), a part given twice, or a part missing.
    /// </exception>
    public static EvaluationReport Merge(IReadOnlyList<EvaluationPart> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (parts.Count == 0)
        {
            throw new CamException("Give the parts to merge: every file camsdk evaluate --shard K/N wrote for K = 0 to N − 1.");
        }

        var first = parts[0];
        foreach (var part in parts.Skip(1))
        {
            if (part.Shard.Count != first.Shard.Count)
            {
                throw new CamException($"{Name(part)} is part {part.Shard} but {Name(first)} is part {first.Shard}: the parts come from runs split {part.Shard.Count} and {first.Shard.Count} ways. Merge the parts of one run.");
            }

            var difference = first.Identity.Zip(part.Identity).FirstOrDefault(p => p.First.Key != p.Second.Key || p.First.Value != p.Second.Value);
            if (difference.First.Key is not null || first.Identity.Count != part.Identity.Count)
            {
                var (key, mine, theirs) = difference.First.Key is null ? ("its facts", "-", "-") : (difference.First.Key, difference.First.Value, difference.Second.Value);
                throw new CamException($"{Name(part)} and {Name(first)} are parts of different evaluations: {key} is '{theirs}' in one and '{mine}' in the other. Merge the parts of one run.");
            }
        }

        var duplicate = parts.GroupBy(p => p.Shard.Index).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new CamException($"Part {duplicate.Key}/{first.Shard.Count} is given more than once: {string.Join(", ", duplicate.Select(Name))}.");
        }

        var missing = Enumerable.Range(0, first.Shard.Count).Except(parts.Select(p => p.Shard.Index)).ToArray();
        if (missing.Length > 0)
        {
            throw new CamException(
                $"Parts {string.Join(", ", missing.Select(m => $"{m}/{first.Shard.Count}"))} are missing (given: {string.Join(", ", parts.OrderBy(p => p.Shard.Index).Select(p => $"{p.Shard} {Name(p)}"))}).");
        }

        var ordered = parts.OrderBy(p => p.Shard.Index).ToArray();
        return first.Report with
        {
            Localization = EvaluationParts.Combine([.. ordered.Select(p => p.Localization)]),
            Discrimination = first.Discrimination is null ? null : EvaluationParts.Combine([.. ordered.Select(p => p.Discrimination!)]),
        };
    }

    private static string Name(EvaluationPart part) => part.Path is { } path ? $"'{path}'" : $"part {part.Shard}";
}
