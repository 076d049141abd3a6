using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.Json.Nodes;
using CamSdk.Imaging;
using CamSdk.Localization;
using static CamSdk.Evaluation.ReportHtml;

namespace CamSdk.Evaluation;

/// <summary>The report's "can I trust this map?" sections: sanity checks, faithfulness and the shortcut study, as HTML and JSON.</summary>
internal static class ReportChecks
{
    /// <summary>The names the report's sections give their methods, by key.</summary>
    internal static IReadOnlyDictionary<string, string> MethodNames(EvaluationReport report)
    {
        var names = new Dictionary<string, string>();
        foreach (var (key, name) in report.Localization.Methods.Select(m => (m.MethodKey, m.MethodName))
            .Concat((report.Discrimination?.Methods ?? []).Select(m => (m.MethodKey, m.MethodName)))
            .Concat((report.Faithfulness?.Methods ?? []).Select(m => (m.MethodKey, m.MethodName)))
            .Concat(report.Sanity?.MethodNames.Select(p => (p.Key, p.Value)) ?? [])
            .Concat(report.DataRandomization?.Check.MethodNames.Select(p => (p.Key, p.Value)) ?? [])
            .Concat(report.Shortcut is { } shortcut ? [(shortcut.MethodKey, shortcut.MethodName)] : []))
        {
            names.TryAdd(key, name);
        }

        return names;
    }

    /// <summary>Everything the report could not compute, in the order of its sections.</summary>
    internal static IReadOnlyList<EvaluationProblem> Problems(EvaluationReport report)
    {
        var problems = new List<EvaluationProblem>();
        problems.AddRange(report.Localization.Methods.Where(m => m.Failure is not null).Select(m => new EvaluationProblem("localization", m.MethodKey, null, m.Failure!)));
        problems.AddRange((report.Discrimination?.Methods ?? []).Where(m => m.Failure is not null).Select(m => new EvaluationProblem("discrimination", m.MethodKey, null, m.Failure!)));
        foreach (var (section, check) in new[] { ("sanity", report.Sanity), ("data-randomization", report.DataRandomization?.Check) })
        {
            foreach (var step in check?.Steps ?? [])
            {
                problems.AddRange(step.Similarity.Where(s => s.Value.Failure is not null).Select(s => new EvaluationProblem(section, s.Key, StepName(step), s.Value.Failure!)));
            }
        }

        problems.AddRange((report.Faithfulness?.Methods ?? []).Where(m => m.Failure is not null).Select(m => new EvaluationProblem("faithfulness", m.MethodKey, null, m.Failure!)));
        problems.AddRange(report.SkippedChecks);
        return problems;
    }

    /// <summary>A sanity step in words: "cascading, depth 3 (layer4)".</summary>
    internal static string StepName(SanityStep step) => step.Randomization == SanityRandomization.Labels
        ? step.Layer
        : Invariant($"{step.Randomization.ToString().ToLowerInvariant()}, depth {step.Depth} ({step.Layer})");

    /// <summary>The report's list of what could not be computed, if anything.</summary>
    internal static void RenderProblems(StringBuilder html, EvaluationReport report)
    {
        var problems = report.Problems;
        var names = report.MethodNames;
        if (problems.Count == 0)
        {
            return;
        }

        html.Append("<h2 id=\"problems\">Not computed</h2>\n<p class=\"note\">")
            .Append(Encode("These figures could not be computed; the rest of the report stands without them (their cells show –)."))
            .Append("</p>\n<ul id=\"problem-list\">\n");
        foreach (var problem in problems)
        {
            var what = string.Join(", ", new[] { problem.Section, problem.MethodKey is null ? null : names.GetValueOrDefault(problem.MethodKey, problem.MethodKey), problem.Step }.Where(p => p is not null));
            html.Append("<li class=\"problem\"><b>").Append(Encode(what)).Append("</b>: ").Append(Encode(problem.Reason)).Append("</li>\n");
        }

        html.Append("</ul>\n");
    }

    /// <summary>A table row for a method that could not be computed: its name, then the reason across the figures' columns.</summary>
    internal static void FailedRow(StringBuilder html, string name, int columns, string reason) =>
        html.Append("<tr class=\"failed\"><td>").Append(Encode(name)).Append("</td><td colspan=\"").Append(columns).Append("\">not computed: ")
            .Append(Encode(reason)).Append("</td></tr>\n");

    /// <summary>The lowest (or highest) finite value, NaN when there is none.</summary>
    internal static double Best(IEnumerable<double> values, bool lowest)
    {
        var finite = values.Where(double.IsFinite).ToArray();
        return finite.Length == 0 ? double.NaN : lowest ? finite.Min() : finite.Max();
    }

    internal static void Render(StringBuilder html, EvaluationReport report)
    {
        if (report.Sanity is not null || report.DataRandomization is not null)
        {
            Sanity(html, report);
        }

        if (report.Faithfulness is { } faithfulness)
        {
            Faithfulness(html, faithfulness);
        }

        if (report.Shortcut is { } shortcut)
        {
            Shortcut(html, shortcut);
        }
    }

    private static void Sanity(StringBuilder html, EvaluationReport report)
    {
        html.Append("<h2 id=\"sanity\">Sanity checks: does the map depend on the model?</h2>\n<p class=\"note\">")
            .Append(Encode("Adebayo et al. (NeurIPS 2018): a map that stays the same when the model's learned weights are destroyed explains the input, not the model. " +
                "Cascading randomisation re-initialises the layers one after another from the classifier down (on a copy; the model is untouched); independent randomisation one layer at a time; " +
                "data randomisation compares with the same network trained on shuffled labels. Each model explains its own top class. The statistics compare each map with the original's: " +
                $"Spearman rank correlation of the absolute maps and of the signed maps, SSIM and the rank correlation of HOG features. A method passes when the rank correlation after the fullest randomisation is below {SanityCheck.PassThreshold:0.0}."))
            .Append("</p>\n");
        var verdicts = (report.Sanity?.Verdicts ?? []).Concat(report.DataRandomization?.Check.Verdicts ?? []);
        html.Append("<ul id=\"sanity-verdicts\">\n");
        foreach (var verdict in verdicts)
        {
            var (kind, mark) = verdict.Failure is not null ? ("unchecked", "⚠ ") : verdict.Passes ? ("pass", "✔ ") : ("fail", "✘ ");
            html.Append("<li class=\"verdict ").Append(kind).Append("\">").Append(mark).Append(Encode(verdict.Text)).Append("</li>\n");
        }

        html.Append("</ul>\n");
        if (report.Sanity is { } sanity)
        {
            var cascading = sanity.Steps.Where(s => s.Randomization == SanityRandomization.Cascading).ToArray();
            var independent = sanity.Steps.Where(s => s.Randomization == SanityRandomization.Independent).ToArray();
            if (cascading.Length > 0)
            {
                SimilarityTable(html, "sanity-table", Invariant($"method (all {cascading.Length} layers random, {sanity.Images} images)"), sanity, cascading[^1]);
            }

            html.Append("<div class=\"plots\">");
            foreach (var kind in new[] { SanityRandomization.Cascading, SanityRandomization.Independent })
            {
                if (SanityPlot(sanity, kind) is { } png)
                {
                    Plot(html, png, $"{kind} randomisation: rank correlation per method and layer");
                }
            }

            html.Append("</div>\n");
            if (sanity.Original.Count > 0 && cascading.Length > 0)
            {
                html.Append("<p class=\"note\">The first image's absolute maps, with learned weights and after each step of cascading randomisation (left to right).</p>\n");
                for (var m = 0; m < sanity.Methods.Count; m++)
                {
                    html.Append("<div class=\"row mini\">");
                    Figure(html, CamPictures.Heatmap(sanity.Original[0][m]), $"{sanity.NameOf(sanity.Methods[m])}: original", []);
                    foreach (var step in cascading)
                    {
                        Figure(html, CamPictures.Heatmap(step.Maps[0][m]), $"to {step.Layer}", []);
                    }

                    html.Append("</div>\n");
                }
            }
        }

        if (report.DataRandomization is { } data)
        {
            var step = data.Check.Steps[0];
            html.Append("<p class=\"note\">").Append(Encode(Invariant($"Data randomisation: {data.Description} It reached {data.TrainingAccuracy:P1} on its shuffled training labels and {data.HeldOutAccuracy:P1} on held-out images with true labels (chance is about {1.0 / Math.Max(1, report.ClassNames.Count):P1}). ",
                    $"Its maps against the main model's, over {data.Check.Images} images:"))).Append("</p>\n");
            SimilarityTable(html, "labels-table", "method", data.Check, step);
        }
    }

    /// <summary>A table of one step's four similarity statistics, a row per method.</summary>
    private static void SimilarityTable(StringBuilder html, string id, string heading, SanityCheckResult check, SanityStep step)
    {
        html.Append("<table class=\"metrics\" id=\"").Append(id).Append("\">\n<thead><tr><th>").Append(Encode(heading))
            .Append("</th><th>rank corr. (abs.)</th><th>rank corr. (signed)</th><th>SSIM</th><th>HOG rank corr.</th></tr></thead>\n<tbody>\n");
        foreach (var method in check.Methods)
        {
            var s = step.Similarity[method];
            if (s.Failure is not null)
            {
                FailedRow(html, check.NameOf(method), 4, s.Failure);
                continue;
            }

            html.Append("<tr><td>").Append(Encode(check.NameOf(method))).Append("</td>").Append(Number(s.SpearmanAbsolute)).Append(Number(s.Spearman)).Append(Number(s.Ssim)).Append(Number(s.Hog)).Append("</tr>\n");
        }

        html.Append("</tbody>\n</table>\n");
    }

    /// <summary>Rank correlation (absolute maps) against the layers randomised, one line per method; null when the test did not run.</summary>
    internal static byte[]? SanityPlot(SanityCheckResult sanity, SanityRandomization kind)
    {
        var steps = sanity.Steps.Where(s => s.Randomization == kind).ToArray();
        if (steps.Length == 0)
        {
            return null;
        }

        var cascading = kind == SanityRandomization.Cascading;
        var x = Enumerable.Range(0, steps.Length + (cascading ? 1 : 0)).Select(i => (double)i).ToArray();
        var series = sanity.Methods.Select(m => (sanity.NameOf(m), (IReadOnlyList<double>)x, (IReadOnlyList<double>)[.. (cascading ? new[] { 1.0 } : []).Concat(steps.Select(s => s.Similarity[m].SpearmanAbsolute))])).ToList();
        var ticks = (cascading ? new[] { "original" } : []).Concat(steps.Select(s => s.Layer)).ToList();
        return ReportPlots.Lines(
            cascading ? "Cascading randomisation: rank correlation with the original map, layers randomised from the top down to each" : "Independent randomisation: rank correlation with the original map, each layer randomised alone",
            "",
            "Spearman (absolute maps)",
            series,
            ticks);
    }

    /// <summary>The deletion curves, the insertion curves and the ROAD curves of every method.</summary>
    internal static (byte[] Deletion, byte[] Insertion, byte[] MostRelevantFirst, byte[] LeastRelevantFirst) FaithfulnessPlots(FaithfulnessEvaluation faithfulness)
    {
        var methods = faithfulness.Methods.Where(m => m.Failure is null).ToArray();
        byte[] Curves(string name, Func<MethodFaithfulness, FaithfulnessCurve> curve) =>
            ReportPlots.Lines($"{name} curves (mean over images)", name == "Deletion" ? "fraction of pixels removed" : "fraction of pixels inserted", "class score", [.. methods.Select(m => (m.MethodName, curve(m).Fractions, curve(m).Scores))]);
        var percentiles = faithfulness.Percentiles.ToArray();
        byte[] Road(string title, string xLabel, Func<MethodFaithfulness, IReadOnlyList<double>> changes) =>
            ReportPlots.Lines(title, xLabel, "change in class score", [.. methods.Select(m => (m.MethodName, (IReadOnlyList<double>)percentiles, changes(m)))]);
        return (
            Curves("Deletion", m => m.Deletion),
            Curves("Insertion", m => m.Insertion),
            Road("ROAD, most relevant first (lower is better)", "percentile p: the pixels above the map's p-th percentile are imputed", m => m.RoadMostRelevantFirst),
            Road("ROAD, least relevant first (closer to 0 is better)", "percentile p: the pixels above the p-th percentile of 1 − map are imputed", m => m.RoadLeastRelevantFirst));
    }

    private static void Faithfulness(StringBuilder html, FaithfulnessEvaluation faithfulness)
    {
        html.Append("<h2 id=\"faithfulness\">Faithfulness: does the score follow the map?</h2>\n<p class=\"note\">")
            .Append(Encode(Invariant($"On {faithfulness.Images} images ({faithfulness.Settings}). Deletion (RISE) removes pixels in the map's order and integrates the score: lower is better; ",
                $"insertion puts them back into the baseline image: higher is better. Confidence change is pytorch-grad-cam's score on image × map minus the score on the image (drop: lower is better; increase: the share of images whose score rose). ",
                $"ROAD (Rong et al. 2022) removes the most or the least relevant pixels, fills them by noisy linear imputation so that the filling does not give the removal away, and combines both orders: higher is better. ",
                $"The best value of each column is in bold (within 0.0005).")))
            .Append("</p>\n<table class=\"metrics\" id=\"faithfulness-table\">\n<thead><tr><th>method</th><th>deletion AUC</th><th>insertion AUC</th><th>confidence change</th><th>drop in confidence</th><th>increase in confidence</th><th>ROAD combined</th></tr></thead>\n<tbody>\n");
        var methods = faithfulness.Methods;
        var best = (Best(methods.Select(m => m.Deletion.Area), true), Best(methods.Select(m => m.Insertion.Area), false), Best(methods.Select(m => m.ConfidenceChange), false),
            Best(methods.Select(m => m.DropInConfidence), true), Best(methods.Select(m => m.IncreaseInConfidence), false), Best(methods.Select(m => m.RoadCombined), false));
        foreach (var m in methods)
        {
            if (m.Failure is not null)
            {
                FailedRow(html, m.MethodName, 6, m.Failure);
                continue;
            }

            // Methods that coincide on this model (e.g. Grad-CAM and CAM after global average pooling) differ in rounding only: all are best.
            static bool Near(double value, double best) => Math.Abs(value - best) < 5e-4;
            html.Append("<tr><td>").Append(Encode(m.MethodName)).Append("</td>")
                .Append(Number(m.Deletion.Area, Near(m.Deletion.Area, best.Item1))).Append(Number(m.Insertion.Area, Near(m.Insertion.Area, best.Item2)))
                .Append(Number(m.ConfidenceChange, Near(m.ConfidenceChange, best.Item3))).Append(Number(m.DropInConfidence, Near(m.DropInConfidence, best.Item4)))
                .Append(Cell(m.IncreaseInConfidence, Near(m.IncreaseInConfidence, best.Item5))).Append(Number(m.RoadCombined, Near(m.RoadCombined, best.Item6))).Append("</tr>\n");
        }

        html.Append("</tbody>\n</table>\n<div class=\"plots\">");
        var (deletion, insertion, mostRelevantFirst, leastRelevantFirst) = FaithfulnessPlots(faithfulness);
        Plot(html, deletion, "Deletion curves per method");
        Plot(html, insertion, "Insertion curves per method");
        Plot(html, mostRelevantFirst, "ROAD, most relevant first, per method");
        Plot(html, leastRelevantFirst, "ROAD, least relevant first, per method");
        html.Append("</div>\n");
    }

    private static void Shortcut(StringBuilder html, ShortcutEvaluation shortcut)
    {
        html.Append("<h2 id=\"shortcut\">Shortcut detection: a watermark that gives the class away</h2>\n<p class=\"note\">")
            .Append(Encode(Invariant($"As the Grad-CAM paper's bias study (section 6.3): one network was trained on images where 90% carry a small corner watermark coding their class; the other is the main network, trained without watermarks. ",
                $"On {shortcut.Images} held-out images whose watermark codes their class, {shortcut.MethodName}'s share of map mass inside the watermark exposes the shortcut ",
                $"(the watermark covers {shortcut.RegionShare:P1} of the image: an even map would put that share there). Beside it, the accuracy with the watermark, without it, and with a watermark coding another class.")))
            .Append("</p>\n<table class=\"metrics\" id=\"shortcut-table\">\n<thead><tr><th>model</th><th>mass on watermark</th><th>accuracy, watermark = class</th><th>accuracy, no watermark</th><th>accuracy, watermark ≠ class</th></tr></thead>\n<tbody>\n");
        foreach (var model in shortcut.Models)
        {
            html.Append("<tr><td>").Append(Encode($"{model.Name} ({model.Description})")).Append("</td>").Append(Cell(model.MassShare, false)).Append(Cell(model.WatermarkedAccuracy, false))
                .Append(Cell(model.CleanAccuracy, false)).Append(Cell(model.MismatchedAccuracy, false)).Append("</tr>\n");
        }

        html.Append("</tbody>\n</table>\n<table class=\"metrics\" id=\"shortcut-classes\">\n<thead><tr><th>class: mass on watermark</th>");
        foreach (var model in shortcut.Models)
        {
            html.Append("<th>").Append(Encode(model.Name)).Append("</th>");
        }

        html.Append("</tr></thead>\n<tbody>\n");
        for (var c = 0; c < shortcut.ClassNames.Count; c++)
        {
            html.Append("<tr><td>").Append(Encode(shortcut.ClassNames[c])).Append("</td>");
            foreach (var model in shortcut.Models)
            {
                html.Append(Cell(model.MassShareByClass[c], false));
            }

            html.Append("</tr>\n");
        }

        html.Append("</tbody>\n</table>\n<div class=\"plots\">");
        Plot(html, ReportPlots.GroupedBars($"{shortcut.MethodName}'s mass on the watermark, per class", "share of map mass", shortcut.ClassNames, [.. shortcut.Models.Select(m => (m.Name, m.MassShareByClass))]), "Mass on the watermark per class and model");
        html.Append("</div>\n<p class=\"note\">Examples: each image with each network's map for its class; the watermark is boxed.</p>\n");
        foreach (var example in shortcut.Gallery)
        {
            html.Append("<div class=\"row\">");
            var boxes = new List<(BoundingBox, string)> { (example.Watermark, "watermark") };
            Figure(html, example.Image, shortcut.ClassNames[example.ClassIndex], boxes);
            for (var m = 0; m < shortcut.Models.Count; m++)
            {
                Figure(html, CamPictures.Overlay(example.Image, example.Maps[m]), shortcut.Models[m].Name, boxes);
            }

            html.Append("</div>\n");
        }
    }

    internal static JsonNode? SanityJson(EvaluationReport report) => SanityJson(report.Sanity, report.DataRandomization);

    internal static JsonNode? SanityJson(SanityCheckResult? modelRandomization, DataRandomization? dataRandomization)
    {
        if (modelRandomization is null && dataRandomization is null)
        {
            return null;
        }

        JsonObject Statistics(SanityStep step, IReadOnlyList<string> methods) => new(methods.Select(m => new KeyValuePair<string, JsonNode?>(m, WithFailure(new JsonObject
        {
            ["spearman_abs"] = Finite(step.Similarity[m].SpearmanAbsolute),
            ["spearman"] = Finite(step.Similarity[m].Spearman),
            ["ssim"] = Finite(step.Similarity[m].Ssim),
            ["hog"] = Finite(step.Similarity[m].Hog),
        }, step.Similarity[m].Failure))));
        JsonArray Steps(SanityCheckResult result, SanityRandomization kind) => new([.. result.Steps.Where(s => s.Randomization == kind).Select(s => (JsonNode)new JsonObject
        {
            ["depth"] = s.Depth,
            ["layer"] = s.Layer,
            ["methods"] = Statistics(s, result.Methods),
        })]);
        JsonObject Verdicts(SanityCheckResult result) => new(result.Verdicts.Select(v => new KeyValuePair<string, JsonNode?>(v.MethodKey, WithFailure(new JsonObject
        {
            ["passes"] = v.Passes,
            ["spearman_abs"] = Finite(v.RankCorrelation),
            ["verdict"] = v.Text,
        }, v.Failure))));
        return new JsonObject
        {
            ["pass_threshold"] = SanityCheck.PassThreshold,
            ["model_randomization"] = modelRandomization is { } sanity
                ? new JsonObject
                {
                    ["images"] = sanity.Images,
                    ["layers_top_down"] = new JsonArray([.. sanity.Layers.Select(l => JsonValue.Create(l))]),
                    ["cascading"] = Steps(sanity, SanityRandomization.Cascading),
                    ["independent"] = Steps(sanity, SanityRandomization.Independent),
                    ["labels"] = sanity.Steps.Any(s => s.Randomization == SanityRandomization.Labels) ? Steps(sanity, SanityRandomization.Labels) : null,
                    ["verdicts"] = Verdicts(sanity),
                }
                : null,
            ["data_randomization"] = dataRandomization is { } data
                ? new JsonObject
                {
                    ["images"] = data.Check.Images,
                    ["description"] = data.Description,
                    ["shuffled_training_accuracy"] = Finite(data.TrainingAccuracy),
                    ["shuffled_held_out_accuracy"] = Finite(data.HeldOutAccuracy),
                    ["methods"] = Statistics(data.Check.Steps[0], data.Check.Methods),
                    ["verdicts"] = Verdicts(data.Check),
                }
                : null,
        };
    }

    internal static JsonNode? FaithfulnessJson(FaithfulnessEvaluation? faithfulness) => faithfulness is null ? null : new JsonObject
    {
        ["images"] = faithfulness.Images,
        ["settings"] = faithfulness.Settings,
        ["road_percentiles"] = new JsonArray([.. faithfulness.Percentiles.Select(p => JsonValue.Create(p))]),
        ["methods"] = new JsonObject(faithfulness.Methods.Select(m => new KeyValuePair<string, JsonNode?>(m.MethodKey, WithFailure(new JsonObject
        {
            ["deletion_auc"] = Finite(m.Deletion.Area),
            ["insertion_auc"] = Finite(m.Insertion.Area),
            ["curve_fractions"] = Numbers(m.Deletion.Fractions),
            ["deletion_curve"] = Numbers(m.Deletion.Scores),
            ["insertion_curve"] = Numbers(m.Insertion.Scores),
            ["confidence_change"] = Finite(m.ConfidenceChange),
            ["drop_in_confidence"] = Finite(m.DropInConfidence),
            ["increase_in_confidence"] = Finite(m.IncreaseInConfidence),
            ["road_most_relevant_first"] = Numbers(m.RoadMostRelevantFirst),
            ["road_least_relevant_first"] = Numbers(m.RoadLeastRelevantFirst),
            ["road_combined"] = Finite(m.RoadCombined),
        }, m.Failure)))),
    };

    internal static JsonNode? ShortcutJson(ShortcutEvaluation? shortcut) => shortcut is null ? null : new JsonObject
    {
        ["method"] = shortcut.MethodKey,
        ["images"] = shortcut.Images,
        ["watermark_area_share"] = shortcut.RegionShare,
        ["models"] = new JsonObject(shortcut.Models.Select(m => new KeyValuePair<string, JsonNode?>(m.Name, new JsonObject
        {
            ["description"] = m.Description,
            ["watermarked_accuracy"] = m.WatermarkedAccuracy,
            ["clean_accuracy"] = m.CleanAccuracy,
            ["mismatched_accuracy"] = m.MismatchedAccuracy,
            ["mass_share"] = m.MassShare,
            ["mass_share_by_class"] = new JsonObject(shortcut.ClassNames.Select((c, i) => new KeyValuePair<string, JsonNode?>(c, Finite(m.MassShareByClass[i])))),
        }))),
    };

    /// <summary>A number, or null where it is NaN or infinite (JSON has neither).</summary>
    internal static JsonNode? Finite(double value) => double.IsFinite(value) ? JsonValue.Create(value) : null;

    private static JsonArray Numbers(IEnumerable<double> values) => new([.. values.Select(Finite)]);

    /// <summary>Adds <c>"failure": reason</c> to a method's figures when it could not be computed.</summary>
    internal static JsonObject WithFailure(JsonObject figures, string? failure)
    {
        if (failure is not null)
        {
            figures["failure"] = failure;
        }

        return figures;
    }

    /// <summary>Every problem as JSON: what, where, why.</summary>
    internal static JsonArray ProblemsJson(EvaluationReport report) => new([.. report.Problems.Select(p => (JsonNode)new JsonObject
    {
        ["section"] = p.Section,
        ["method"] = p.MethodKey,
        ["step"] = p.Step,
        ["reason"] = p.Reason,
    })]);

    private static string Number(double value, bool best = false) =>
        double.IsFinite(value) ? Invariant($"<td{(best ? " class=\"best\"" : "")}>{value:F3}</td>") : "<td>–</td>";
}
