using System;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;
using CamSdk.Localization;

namespace CamSdk.Evaluation;

/// <summary>Writes an <see cref="EvaluationReport"/>'s figures as JSON.</summary>
internal static class ReportMetrics
{
    /// <summary>The version of the JSON layout; changed when a key changes meaning or disappears.</summary>
    internal const string Schema = "camsdk-evaluation/1";

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    internal static string Render(EvaluationReport report)
    {
        var localization = report.Localization;
        var json = new JsonObject
        {
            ["schema"] = Schema,
            ["title"] = report.Title,
            ["model"] = report.Model,
            ["layer"] = report.Layer,
            ["dataset"] = report.Dataset,
            ["classes"] = new JsonArray([.. report.ClassNames.Select(n => JsonValue.Create(n))]),
            ["facts"] = new JsonObject(report.Facts.Select(f => new System.Collections.Generic.KeyValuePair<string, JsonNode?>(f.Key, f.Value))),
            ["training"] = report.Training is { } training
                ? new JsonObject
                {
                    ["description"] = training.Description,
                    ["epoch_losses"] = new JsonArray([.. training.EpochLosses.Select(v => JsonValue.Create(v))]),
                    ["epoch_accuracies"] = new JsonArray([.. training.EpochAccuracies.Select(v => JsonValue.Create(v))]),
                    ["held_out_accuracy"] = training.HeldOutAccuracy,
                    ["held_out_images"] = training.HeldOutImages,
                    ["seconds"] = training.Seconds,
                    ["from_cache"] = training.FromCache,
                }
                : null,
            ["classification"] = new JsonObject
            {
                ["top1_accuracy"] = localization.Accuracy,
                ["images"] = localization.Images,
                ["misclassified"] = localization.Misclassified,
            },
            ["localization"] = new JsonObject
            {
                ["images"] = localization.Images,
                ["threshold"] = Math.Round((double)CamLocalizer.DefaultThreshold, 6),
                ["iou_threshold"] = LocalizationMetrics.IouThreshold,
                ["centred_box"] = new JsonObject { ["width"] = localization.MeanBoxSize.Width, ["height"] = localization.MeanBoxSize.Height },
                ["methods"] = new JsonObject(localization.Methods.Select(m => new System.Collections.Generic.KeyValuePair<string, JsonNode?>(m.MethodKey, ReportChecks.WithFailure(new JsonObject
                {
                    ["top1_localization_error"] = ReportChecks.Finite(m.Top1Error),
                    ["ground_truth_class_localization_error"] = ReportChecks.Finite(m.GroundTruthClassError),
                    ["pointing_game_accuracy"] = ReportChecks.Finite(m.PointingGame),
                }, m.Failure)))),
            },
            ["discrimination"] = report.Discrimination is { } discrimination
                ? new JsonObject
                {
                    ["images"] = discrimination.Images,
                    ["methods"] = new JsonObject(discrimination.Methods.Select(m => new System.Collections.Generic.KeyValuePair<string, JsonNode?>(m.MethodKey, ReportChecks.WithFailure(new JsonObject
                    {
                        ["own_box_share"] = ReportChecks.Finite(m.OwnBoxShare),
                        ["other_box_share"] = ReportChecks.Finite(m.OtherBoxShare),
                        ["margin"] = ReportChecks.Finite(m.Margin),
                    }, m.Failure)))),
                }
                : null,
            ["sanity"] = ReportChecks.SanityJson(report),
            ["faithfulness"] = ReportChecks.FaithfulnessJson(report.Faithfulness),
            ["shortcut"] = ReportChecks.ShortcutJson(report.Shortcut),
            ["problems"] = ReportChecks.ProblemsJson(report),
        };
        return json.ToJsonString(Indented);
    }
}
