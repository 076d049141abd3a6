using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net;
using System.Text;
using CamSdk.Imaging;
using CamSdk.Localization;

namespace CamSdk.Evaluation;

/// <summary>Renders an <see cref="EvaluationReport"/> as one self-contained HTML page: styles inline, images and plots as data URIs.</summary>
internal static class ReportHtml
{
    private const string Style = """
        body { font-family: "DejaVu Sans", "Segoe UI", Helvetica, Arial, sans-serif; margin: 2em auto; max-width: 1500px; padding: 0 1.5em; color: #1d2330; line-height: 1.45; }
        h1 { font-size: 1.7em; margin-bottom: 0.2em; } h2 { margin-top: 2.2em; border-bottom: 2px solid #d8dde6; padding-bottom: 0.2em; }
        .lead { font-size: 1.1em; color: #3a4252; max-width: 70em; } .note { color: #4f586b; max-width: 75em; }
        table.metrics { border-collapse: collapse; margin: 1em 0; } table.metrics th, table.metrics td { padding: 0.3em 0.8em; border-bottom: 1px solid #e3e6ec; text-align: right; }
        table.metrics th:first-child, table.metrics td:first-child { text-align: left; } table.metrics thead th { background: #f1f3f7; }
        table.metrics td.best { font-weight: bold; color: #0b6b2f; } table.metrics tr.baseline td { color: #6b7385; font-style: italic; }
        table.facts td { padding: 0.15em 1em 0.15em 0; vertical-align: top; } table.facts td:first-child { color: #4f586b; }
        .plots img { margin: 0.5em 1em 0.5em 0; border: 1px solid #e3e6ec; }
        .row { display: flex; flex-wrap: wrap; gap: 6px; align-items: flex-start; margin: 0.6em 0 1.2em; }
        figure { margin: 0; width: 136px; } figure .frame { position: relative; width: 136px; height: 136px; }
        figure .frame img { width: 136px; height: 136px; display: block; image-rendering: pixelated; }
        figcaption { font-size: 0.75em; text-align: center; color: #3a4252; word-break: break-word; }
        .box { position: absolute; box-sizing: border-box; pointer-events: none; }
        .box.truth { border: 2px solid #22e05a; } .box.predicted { border: 2px dashed #ffb000; } .box.other { border: 2px dotted #e8e8e8; }
        .legend span.other { border: 2px dotted #b0b0b0; background: #e8e8e8; }
        .legend span { display: inline-block; width: 1.2em; height: 0.8em; margin: 0 0.3em 0 1em; vertical-align: middle; }
        .case { font-weight: bold; margin-top: 1em; } .wrong { color: #b3261e; } .right { color: #0b6b2f; }
        .mini figure { width: 84px; } .mini figure .frame, .mini figure .frame img { width: 84px; height: 84px; }
        .verdict.pass { color: #0b6b2f; } .verdict.fail { color: #b3261e; } .verdict.unchecked, .problem, tr.failed td { color: #8a5a00; } .box.watermark { border: 2px solid #ff3df2; }
        """;

    internal static string Render(EvaluationReport report)
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>").Append(Encode(report.Title)).Append("</title>\n<style>")
            .Append(Style).Append("</style>\n</head>\n<body>\n");
        Sections(html, report);
        html.Append("</body>\n</html>\n");
        return html.ToString();
    }

    /// <summary>The report's sections without the page around them, with its style: what a notebook shows inline.</summary>
    internal static string Fragment(EvaluationReport report)
    {
        var html = new StringBuilder("<div class=\"camsdk-report\">\n<style>").Append(Style).Append("</style>\n");
        Sections(html, report);
        return html.Append("</div>\n").ToString();
    }

    private static void Sections(StringBuilder html, EvaluationReport report)
    {
        Header(html, report);
        ReportChecks.RenderProblems(html, report);
        Localization(html, report);
        if (report.Discrimination is { } discrimination)
        {
            Discrimination(html, report, discrimination);
        }

        Gallery(html, report);
        if (report.Discrimination is { Gallery.Count: > 0 } pairs)
        {
            html.Append("<h2 id=\"two-objects\">Two objects, two classes</h2>\n<p class=\"note\">Each image holds objects of two classes; every row explains one of them " +
                "(the Grad-CAM paper's cat-versus-dog figure). A class-discriminative method lights up only the object of the explained class; Guided Backpropagation " +
                "shows both objects whichever class is explained.</p>\n");
            Legend(html, "explained object's box", "the other object's box");
            foreach (var image in pairs.Gallery)
            {
                html.Append("<p class=\"case\">").Append(Encode(image.Image.Name)).Append(": ")
                    .Append(Encode(string.Join(" and ", image.Classes.Select(c => ClassName(report, c.ClassIndex))))).Append("</p>\n");
                foreach (var explained in image.Classes)
                {
                    var own = image.Image.Objects.First(o => o.ClassIndex == explained.ClassIndex).Box;
                    var other = image.Image.Objects.First(o => o.ClassIndex != explained.ClassIndex).Box;
                    Row(html, image.Image.Image, $"explaining {ClassName(report, explained.ClassIndex)}", explained, [(own, "truth"), (other, "other")], predictedBoxes: false);
                }
            }
        }

        Failures(html, report);
        ReportChecks.Render(html, report);
        Definitions(html);
    }

    private static void Header(StringBuilder html, EvaluationReport report)
    {
        var localization = report.Localization;
        html.Append("<h1>").Append(Encode(report.Title)).Append("</h1>\n<p class=\"lead\">");
        if (report.Training is { } training)
        {
            html.Append(Encode(training.Description)).Append(' ')
                .Append(Encode(training.FromCache
                    ? $"The weights were loaded from the cache (training took {training.Seconds:F0} s when it ran)."
                    : $"Training took {training.Seconds:F0} s."))
                .Append(Invariant($" Held-out accuracy: <b>{training.HeldOutAccuracy:P1}</b> on {training.HeldOutImages:N0} images. "));
        }

        html.Append(Encode(Invariant($"{report.Model} is explained at its layer '{report.Layer}' on {localization.Images:N0} images of {report.Dataset}; ",
            $"it classifies {localization.Accuracy:P1} of them correctly ({localization.Misclassified:N0} misclassified).")));
        if (localization.Methods.FirstOrDefault(m => m.MethodKey == "gradcam") is { } gradCam)
        {
            html.Append(Encode(Invariant($" Grad-CAM's top-1 localisation error is {gradCam.Top1Error:P1} and its pointing game {gradCam.PointingGame:P1}.")));
        }

        html.Append("</p>\n<table class=\"facts\">\n");
        var facts = new List<KeyValuePair<string, string>>
        {
            new("Model", report.Model),
            new("Explained layer", report.Layer),
            new("Dataset", report.Dataset),
            new("Classes", string.Join(", ", report.ClassNames)),
        };
        facts.AddRange(report.Facts);
        foreach (var (key, value) in facts)
        {
            html.Append("<tr><td>").Append(Encode(key)).Append("</td><td>").Append(Encode(value)).Append("</td></tr>\n");
        }

        html.Append("</table>\n");
        if (report.Training is { EpochLosses.Count: > 0 } curves)
        {
            html.Append("<div class=\"plots\">");
            Plot(html, ReportPlots.TrainingCurves(curves.EpochLosses, curves.EpochAccuracies), "Training loss and accuracy per epoch");
            html.Append("</div>\n");
        }
    }

    private static void Localization(StringBuilder html, EvaluationReport report)
    {
        var localization = report.Localization;
        html.Append("<h2 id=\"localisation\">Weakly-supervised localisation</h2>\n<p class=\"note\">")
            .Append(Encode(Invariant($"The Grad-CAM paper's protocol (section 4.1) on {localization.Images:N0} one-object images: each method's map for a class is thresholded at ",
                $"{CamLocalizer.DefaultThreshold:P0} of its maximum, and the box around the largest connected segment is compared with the ground truth. ",
                $"A localisation is right when the intersection over union is at least {LocalizationMetrics.IouThreshold:0.0}. Top-1 error also counts every image whose ",
                $"predicted class is wrong; ground-truth-class error explains the true class. The pointing game counts the maps whose maximum lies inside the ground-truth box. ",
                $"The centred-box baseline predicts a {localization.MeanBoxSize.Width}×{localization.MeanBoxSize.Height} box (the ground truth's mean size) in the middle of every image. Lower errors and a higher pointing game are better; the best are in bold.")))
            .Append("</p>\n<table class=\"metrics\" id=\"localisation-table\">\n<thead><tr><th>method</th><th>top-1 loc. error</th><th>ground-truth-class loc. error</th><th>pointing game</th></tr></thead>\n<tbody>\n");
        var explained = localization.Methods.Where(m => m.MethodKey != LocalizationEvaluator.CentredBoxKey).ToList();
        var (bestTop1, bestTruth, bestPointing) = (ReportChecks.Best(explained.Select(m => m.Top1Error), true), ReportChecks.Best(explained.Select(m => m.GroundTruthClassError), true), ReportChecks.Best(explained.Select(m => m.PointingGame), false));
        foreach (var method in localization.Methods)
        {
            if (method.Failure is not null)
            {
                ReportChecks.FailedRow(html, method.MethodName, 3, method.Failure);
                continue;
            }

            var baseline = method.MethodKey == LocalizationEvaluator.CentredBoxKey;
            html.Append(baseline ? "<tr class=\"baseline\">" : "<tr>").Append("<td>").Append(Encode(method.MethodName)).Append("</td>")
                .Append(Cell(method.Top1Error, !baseline && method.Top1Error == bestTop1))
                .Append(Cell(method.GroundTruthClassError, !baseline && method.GroundTruthClassError == bestTruth))
                .Append(Cell(method.PointingGame, !baseline && method.PointingGame == bestPointing)).Append("</tr>\n");
        }

        html.Append("</tbody>\n</table>\n<div class=\"plots\">");
        var names = localization.Methods.Select(m => m.MethodName).ToList();
        Plot(html, ReportPlots.GroupedBars("Localisation: lower errors and a higher pointing game are better", "share of images", names,
        [
            ("top-1 loc. error", localization.Methods.Select(m => m.Top1Error).ToList()),
            ("ground-truth-class loc. error", localization.Methods.Select(m => m.GroundTruthClassError).ToList()),
            ("pointing game", localization.Methods.Select(m => m.PointingGame).ToList()),
        ]), "Localisation errors and pointing game per method");
        html.Append("</div>\n");
    }

    private static void Discrimination(StringBuilder html, EvaluationReport report, DiscriminationEvaluation discrimination)
    {
        html.Append("<h2 id=\"discrimination\">Class discrimination</h2>\n<p class=\"note\">")
            .Append(Encode(Invariant($"On {discrimination.Images:N0} images with two objects of different classes, each object's class is explained, and each map's mass ",
                $"(the sum of its values) is split into the share inside the explained object's own box and the share inside the other object's box. ",
                $"A class-discriminative method puts its mass on its own object; the paper shows that Guided Backpropagation is not class-discriminative, so its two shares should be close.")))
            .Append("</p>\n<table class=\"metrics\" id=\"discrimination-table\">\n<thead><tr><th>method</th><th>share in own box</th><th>share in other box</th><th>margin</th></tr></thead>\n<tbody>\n");
        var bestMargin = ReportChecks.Best(discrimination.Methods.Select(m => m.Margin), false);
        foreach (var method in discrimination.Methods)
        {
            if (method.Failure is not null)
            {
                ReportChecks.FailedRow(html, method.MethodName, 3, method.Failure);
                continue;
            }

            html.Append("<tr><td>").Append(Encode(method.MethodName)).Append("</td>")
                .Append(Cell(method.OwnBoxShare, false)).Append(Cell(method.OtherBoxShare, false)).Append(Cell(method.Margin, method.Margin == bestMargin)).Append("</tr>\n");
        }

        html.Append("</tbody>\n</table>\n<div class=\"plots\">");
        Plot(html, ReportPlots.GroupedBars("Where each class's map puts its mass", "share of the map's mass", discrimination.Methods.Select(m => m.MethodName).ToList(),
        [
            ("own object's box", discrimination.Methods.Select(m => m.OwnBoxShare).ToList()),
            ("other object's box", discrimination.Methods.Select(m => m.OtherBoxShare).ToList()),
        ]), "Share of map mass in the own and the other object's box per method");
        html.Append("</div>\n");
    }

    private static void Gallery(StringBuilder html, EvaluationReport report)
    {
        html.Append("<h2 id=\"gallery\">Explanations of evaluated images</h2>\n<p class=\"note\">The first evaluated images, each explained for its true class by every method. " +
            "CAM-family maps are drawn over the image (blue low, red high); Guided Backpropagation and Guided Grad-CAM are shown as gradient pictures. " +
            "The box predicted from each map is dashed.</p>\n");
        Legend(html, "ground truth", "predicted box");
        foreach (var image in report.Localization.Gallery)
        {
            var truth = image.Image.Objects[0];
            var verdict = image.PredictedClass == truth.ClassIndex ? "right" : "wrong";
            html.Append("<p class=\"case\">").Append(Encode(image.Image.Name)).Append(": ").Append(Encode(ClassName(report, truth.ClassIndex)))
                .Append(", predicted <span class=\"").Append(verdict).Append("\">").Append(Encode(ClassName(report, image.PredictedClass))).Append("</span></p>\n");
            Row(html, image.Image.Image, "image", image.Classes[0], [(truth.Box, "truth")], predictedBoxes: true);
        }
    }

    private static void Failures(StringBuilder html, EvaluationReport report)
    {
        var localization = report.Localization;
        html.Append("<h2 id=\"failures\">Misclassified images</h2>\n<p class=\"note\">")
            .Append(Encode(Invariant($"{localization.Misclassified:N0} of {localization.Images:N0} images were misclassified. For the first of them, the maps of the two highest-scoring ",
                $"classes show what the model saw for each (the Grad-CAM paper's failure-mode analysis: a wrong prediction often has a reasonable explanation).")))
            .Append("</p>\n");
        if (localization.Misclassified == 0)
        {
            html.Append("<p>No image was misclassified.</p>\n");
            return;
        }

        Legend(html, "ground truth", "predicted box");
        foreach (var image in localization.Failures)
        {
            var truth = image.Image.Objects[0];
            html.Append("<p class=\"case\">").Append(Encode(image.Image.Name)).Append(": a ").Append(Encode(ClassName(report, truth.ClassIndex)))
                .Append(", predicted <span class=\"wrong\">").Append(Encode(ClassName(report, image.PredictedClass))).Append("</span></p>\n");
            for (var rank = 0; rank < image.Classes.Count; rank++)
            {
                var explained = image.Classes[rank];
                Row(html, image.Image.Image, Invariant($"top-{rank + 1}: {ClassName(report, explained.ClassIndex)} ({explained.Score:F2})"), explained, [(truth.Box, "truth")], predictedBoxes: true);
            }
        }
    }

    private static void Definitions(StringBuilder html)
    {
        html.Append("<h2 id=\"definitions\">How the maps are made</h2>\n<p class=\"note\">")
            .Append(Encode("Every CAM-family method is computed as pytorch-grad-cam defines it (CamSdk's maps agree with pytorch-grad-cam's to about 1e-6 on the same weights " +
                "and input), for the pre-softmax score of the explained class, at the explained layer, then scaled to [0, 1], upsampled bilinearly to the image and scaled again. " +
                "Guided Backpropagation passes only positive gradients back through every ReLU; Guided Grad-CAM is its pointwise product with Grad-CAM's upsampled map. " +
                "For localisation, pointing and mass, a gradient picture becomes a map by taking, at each pixel, the largest absolute value over the colour channels."))
            .Append("</p>\n<p class=\"note\">Made by CamSdk ").Append(Encode(typeof(ReportHtml).Assembly.GetName().Version?.ToString() ?? "")).Append(".</p>\n");
    }

    private static void Row(StringBuilder html, RgbImage image, string caption, ExplainedClass explained, IReadOnlyList<(BoundingBox Box, string Kind)> boxes, bool predictedBoxes)
    {
        html.Append("<div class=\"row\">");
        Figure(html, image, caption, boxes);
        foreach (var map in explained.Maps)
        {
            var picture = map.Picture ?? CamPictures.Overlay(image, map.Map);
            var shown = predictedBoxes && map.Box is { } box ? [.. boxes, (box, "predicted")] : boxes;
            Figure(html, picture, map.MethodName, shown);
        }

        html.Append("</div>\n");
    }

    internal static void Figure(StringBuilder html, RgbImage image, string caption, IReadOnlyList<(BoundingBox Box, string Kind)> boxes)
    {
        html.Append("<figure><div class=\"frame\"><img alt=\"").Append(Encode(caption)).Append("\" src=\"data:image/png;base64,")
            .Append(Convert.ToBase64String(image.EncodePng())).Append("\">");
        foreach (var (box, kind) in boxes)
        {
            html.Append(Invariant($"<span class=\"box {kind}\" style=\"left:{100.0 * box.Left / image.Width:F2}%;top:{100.0 * box.Top / image.Height:F2}%;width:{100.0 * box.Width / image.Width:F2}%;height:{100.0 * box.Height / image.Height:F2}%\"></span>"));
        }

        html.Append("</div><figcaption>").Append(Encode(caption)).Append("</figcaption></figure>");
    }

    private static void Legend(StringBuilder html, string solid, string dashed) =>
        html.Append("<p class=\"legend\"><span style=\"border:2px solid #22e05a\"></span>").Append(Encode(solid))
            .Append(solid == "ground truth" ? "<span style=\"border:2px dashed #ffb000\"></span>" : "<span class=\"other\"></span>")
            .Append(Encode(dashed)).Append("</p>\n");

    internal static void Plot(StringBuilder html, byte[] png, string alt) =>
        html.Append("<img alt=\"").Append(Encode(alt)).Append("\" src=\"data:image/png;base64,").Append(Convert.ToBase64String(png)).Append("\">");

    internal static string Cell(double value, bool best) =>
        double.IsFinite(value) ? Invariant($"<td{(best ? " class=\"best\"" : "")}>{value * 100:F1} %</td>") : "<td>–</td>";

    internal static string ClassName(EvaluationReport report, int index) =>
        index >= 0 && index < report.ClassNames.Count ? report.ClassNames[index] : $"class {index}";

    internal static string Encode(string text) => WebUtility.HtmlEncode(text);

    internal static string Invariant(params FormattableString[] parts) => string.Concat(parts.Select(p => p.ToString(CultureInfo.InvariantCulture)));
}
