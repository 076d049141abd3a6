using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using CamSdk.Imaging;

namespace CamSdk.Evaluation;

/// <summary>Writes a sanity check's or a faithfulness evaluation's table, JSON, plots and maps into a folder.</summary>
internal static class CheckFiles
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    internal static IReadOnlyList<string> Write(SanityCheckResult result, string directory)
    {
        Directory.CreateDirectory(directory);
        var files = new List<string>();
        var csv = new StringBuilder("test,depth,layer,method,spearman_abs,spearman,ssim,hog\n");
        foreach (var step in result.Steps)
        {
            foreach (var method in result.Methods)
            {
                var s = step.Similarity[method];
                csv.Append(string.Create(CultureInfo.InvariantCulture, $"{step.Randomization.ToString().ToLowerInvariant()},{step.Depth},{step.Layer},{method},{s.SpearmanAbsolute:R},{s.Spearman:R},{s.Ssim:R},{s.Hog:R}\n"));
            }
        }

        files.Add(Save(directory, "sanity.csv", csv.ToString()));
        files.Add(Save(directory, "sanity.json", ReportChecks.SanityJson(result, null)!.ToJsonString(Indented)));
        foreach (var kind in new[] { SanityRandomization.Cascading, SanityRandomization.Independent })
        {
            if (ReportChecks.SanityPlot(result, kind) is { } png)
            {
                files.Add(Save(directory, $"sanity-{kind.ToString().ToLowerInvariant()}.png", png));
            }
        }

        for (var image = 0; image < result.Original.Count; image++)
        {
            for (var m = 0; m < result.Methods.Count; m++)
            {
                var folder = Path.Combine(directory, "maps", string.Create(CultureInfo.InvariantCulture, $"image-{image}"), result.Methods[m]);
                files.Add(Save(folder, "00-original.png", CamPictures.Heatmap(result.Original[image][m]).EncodePng()));
                foreach (var step in result.Steps.Where(s => image < s.Maps.Count))
                {
                    var name = string.Create(CultureInfo.InvariantCulture, $"{step.Randomization.ToString().ToLowerInvariant()}-{step.Depth:00}-{Safe(step.Layer)}.png");
                    files.Add(Save(folder, name, CamPictures.Heatmap(step.Maps[image][m]).EncodePng()));
                }
            }
        }

        return files;
    }

    internal static IReadOnlyList<string> Write(FaithfulnessEvaluation evaluation, string directory)
    {
        Directory.CreateDirectory(directory);
        var csv = new StringBuilder("method,deletion_auc,insertion_auc,confidence_change,drop_in_confidence,increase_in_confidence,road_combined\n");
        foreach (var m in evaluation.Methods)
        {
            csv.Append(string.Create(CultureInfo.InvariantCulture, $"{m.MethodKey},{m.Deletion.Area:R},{m.Insertion.Area:R},{m.ConfidenceChange:R},{m.DropInConfidence:R},{m.IncreaseInConfidence:R},{m.RoadCombined:R}\n"));
        }

        var (deletion, insertion, mostRelevantFirst, leastRelevantFirst) = ReportChecks.FaithfulnessPlots(evaluation);
        return
        [
            Save(directory, "faithfulness.csv", csv.ToString()),
            Save(directory, "faithfulness.json", ReportChecks.FaithfulnessJson(evaluation)!.ToJsonString(Indented)),
            Save(directory, "deletion.png", deletion),
            Save(directory, "insertion.png", insertion),
            Save(directory, "road-most-relevant-first.png", mostRelevantFirst),
            Save(directory, "road-least-relevant-first.png", leastRelevantFirst),
        ];
    }

    private static string Safe(string name) => string.Concat(name.Select(c => char.IsLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_'));

    private static string Save(string directory, string name, string text) => Save(directory, name, Encoding.UTF8.GetBytes(text));

    private static string Save(string directory, string name, byte[] bytes)
    {
        Directory.CreateDirectory(directory);
        var path = Path.GetFullPath(Path.Combine(directory, name));
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
