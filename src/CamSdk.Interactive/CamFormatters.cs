using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net;
using System.Text;
using System.Threading;
using CamSdk.Evaluation;
using CamSdk.Guided;
using CamSdk.Imaging;
using CamSdk.Localization;
using Microsoft.DotNet.Interactive.Formatting;

namespace CamSdk.Interactive;

/// <summary>
/// Shows CamSdk's results in a notebook: HTML with embedded PNGs for a cell's output (<c>display(result)</c>, or a cell
/// that ends in one), and plain text saying the same in words for terminals. Referencing the package in a notebook
/// registers them (its <c>interactive-extensions/dotnet/extension.dib</c> calls <see cref="Register"/>).
/// </summary>
public static class CamFormatters
{
    private static int _registered;

    /// <summary>
    /// Registers the formatters of <see cref="CamResult"/>, <see cref="CamResultSet"/>, <see cref="ExplainedImages"/>,
    /// <see cref="GuidedBackpropagationResult"/>, <see cref="GuidedGradCamResult"/>, <see cref="SanityCheckResult"/> and
    /// <see cref="EvaluationReport"/> with .NET Interactive, for <c>text/html</c> and <c>text/plain</c>. Calling it again
    /// does nothing.
    /// </summary>
    public static void Register()
    {
        if (Interlocked.Exchange(ref _registered, 1) == 1)
        {
            return;
        }

        Both<CamResult>(Html, Text);
        Both<CamResultSet>(Html, Text);
        Both<ExplainedImages>(Html, Text);
        Both<GuidedBackpropagationResult>(Html, Text);
        Both<GuidedGradCamResult>(Html, Text);
        Both<SanityCheckResult>(Html, Text);
        Both<EvaluationReport>(ReportHtml.Fragment, Text);
    }

    /// <summary>A result's HTML: per image, its heatmap with the method, class, score and box.</summary>
    internal static string Html(CamResult result) => Heatmaps([result]);

    /// <summary>A result set's HTML: per image, a row of every method's heatmap.</summary>
    internal static string Html(CamResultSet results) => Heatmaps(results);

    /// <summary>Images with their explanations: per image, the image and every method's overlay.</summary>
    internal static string Html(ExplainedImages explained) =>
        Rows(explained.Images.Count, explained.Results, n => [Figure(explained.Images[n], $"image {n}")], (map, n) => CamPictures.Overlay(explained.Images[n], map));

    /// <summary>Guided Backpropagation's pictures, per image.</summary>
    internal static string Html(GuidedBackpropagationResult result)
    {
        var html = Open("Guided Backpropagation");
        for (var n = 0; n < (int)result.Gradients.shape[0]; n++)
        {
            html.Append(Figure(CamPictures.Gradients(result.Gradients[n]), Invariant($"image {n}: score {ScoreOf(result.Scores, n)}")));
        }

        return html.Append("</div></div>").ToString();
    }

    /// <summary>Guided Grad-CAM: per image, Grad-CAM's heatmap, Guided Backpropagation and their product.</summary>
    internal static string Html(GuidedGradCamResult result)
    {
        var html = Open($"Guided Grad-CAM ({result.Cam.Target})");
        for (var n = 0; n < result.Cam.Count; n++)
        {
            html.Append("<div class=\"camsdk-row\">")
                .Append(Figure(CamPictures.Heatmap(result.Cam.HeatmapToArray(n)), Caption(result.Cam, n)))
                .Append(Figure(CamPictures.Gradients(result.GuidedBackpropagation[n]), "Guided Backprop"))
                .Append(Figure(CamPictures.Gradients(result.GuidedGradCam[n]), "Guided Grad-CAM"))
                .Append("</div>");
        }

        return html.Append("</div></div>").ToString();
    }

    /// <summary>A sanity check's verdicts and its rank-correlation plots.</summary>
    internal static string Html(SanityCheckResult sanity)
    {
        var html = new StringBuilder("<div class=\"camsdk\"><h4>Sanity check (model randomisation)</h4><ul>");
        foreach (var verdict in sanity.Verdicts)
        {
            html.Append("<li><b>").Append(Encode(sanity.NameOf(verdict.MethodKey))).Append(verdict.Passes ? "</b> passes: " : "</b> fails: ").Append(Encode(verdict.Text)).Append("</li>");
        }

        html.Append("</ul>");
        foreach (var kind in new[] { SanityRandomization.Cascading, SanityRandomization.Independent })
        {
            if (ReportChecks.SanityPlot(sanity, kind) is { } png)
            {
                html.Append("<img alt=\"").Append(Encode($"rank correlation, {kind}")).Append("\" src=\"data:image/png;base64,").Append(Convert.ToBase64String(png)).Append("\"/>");
            }
        }

        return html.Append("</div>").ToString();
    }

    /// <summary>A result in words.</summary>
    internal static string Text(CamResult result) => Words([result]);

    /// <summary>A result set in words: per method and image, the class, its score and the box.</summary>
    internal static string Text(CamResultSet results) => Words(results);

    private static string Words(IReadOnlyList<CamResult> results)
    {
        var text = new StringBuilder();
        foreach (var result in results)
        {
            for (var n = 0; n < result.Count; n++)
            {
                text.AppendLine(Invariant($"{Caption(result, n)}{BoxText(result, n)}"));
            }
        }

        return text.ToString().TrimEnd();
    }

    /// <summary>Images and their explanations in words.</summary>
    internal static string Text(ExplainedImages explained) =>
        Invariant($"{explained.Images.Count} image(s) explained by {string.Join(", ", explained.Results.Select(r => r.MethodName))}:{Environment.NewLine}") + Words(explained.Results);

    /// <summary>Guided Backpropagation in words.</summary>
    internal static string Text(GuidedBackpropagationResult result) =>
        Invariant($"Guided Backpropagation of {result.Gradients.shape[0]} image(s), gradients {string.Join("×", result.Gradients.shape)}; scores {string.Join(", ", Enumerable.Range(0, (int)result.Gradients.shape[0]).Select(n => ScoreOf(result.Scores, n)))}.");

    /// <summary>Guided Grad-CAM in words.</summary>
    internal static string Text(GuidedGradCamResult result) =>
        Invariant($"Guided Grad-CAM ({result.Cam.Target}), {result.Cam.Count} image(s):{Environment.NewLine}") + Text(result.Cam);

    /// <summary>A sanity check's verdicts in words.</summary>
    internal static string Text(SanityCheckResult sanity) =>
        string.Join(Environment.NewLine, sanity.Verdicts.Select(v => $"{sanity.NameOf(v.MethodKey)}: {(v.Passes ? "passes" : "fails")}. {v.Text}"));

    /// <summary>An evaluation's figures in words.</summary>
    internal static string Text(EvaluationReport report)
    {
        var text = new StringBuilder(report.Title).AppendLine();
        var localization = report.Localization;
        text.AppendLine(Invariant($"Localisation on {localization.Images} images, accuracy {localization.Accuracy:P1}:"));
        foreach (var method in localization.Methods)
        {
            text.AppendLine(Invariant($"  {method.MethodName}: top-1 error {method.Top1Error:P1}, ground-truth-class error {method.GroundTruthClassError:P1}, pointing game {method.PointingGame:P1}"));
        }

        if (report.Discrimination is { } discrimination)
        {
            text.AppendLine(Invariant($"Class discrimination on {discrimination.Images} two-object images:"));
            foreach (var method in discrimination.Methods)
            {
                text.AppendLine(Invariant($"  {method.MethodName}: {method.OwnBoxShare:P1} in its own object's box, {method.OtherBoxShare:P1} in the other's"));
            }
        }

        return text.ToString().TrimEnd();
    }

    private static void Both<T>(Func<T, string> html, Func<T, string> text)
    {
        Formatter.Register<T>((value, context) =>
        {
            context.Writer.Write(html(value));
            return true;
        }, HtmlFormatter.MimeType);
        Formatter.Register<T>((value, context) =>
        {
            context.Writer.Write(text(value));
            return true;
        }, PlainTextFormatter.MimeType);
    }

    private static string Heatmaps(IReadOnlyList<CamResult> results) =>
        Rows(results.Count == 0 ? 0 : results[0].Count, results, _ => [], (map, _) => CamPictures.Heatmap(map));

    /// <summary>Per image, the <paramref name="first"/> figures then each result's picture of its map (copied to the host once) with its box.</summary>
    private static string Rows(int images, IReadOnlyList<CamResult> results, Func<int, IEnumerable<string>> first, Func<float[,], int, RgbImage> picture)
    {
        var html = Open(string.Join(", ", results.Select(r => r.MethodName).Distinct()));
        for (var n = 0; n < images; n++)
        {
            html.Append("<div class=\"camsdk-row\">");
            foreach (var figure in first(n))
            {
                html.Append(figure);
            }

            foreach (var result in results)
            {
                var map = result.HeatmapToArray(n);
                var boxed = CamLocalizer.Localize(map) is { } box ? CamPictures.DrawBox(picture(map, n), box) : picture(map, n);
                html.Append(Figure(boxed, Caption(result, n)));
            }

            html.Append("</div>");
        }

        return html.Append("</div></div>").ToString();
    }

    private static StringBuilder Open(string title) =>
        new StringBuilder("<div class=\"camsdk\"><style>.camsdk-row{display:flex;flex-wrap:wrap;gap:8px;margin-bottom:8px}.camsdk figure{margin:0}.camsdk figcaption{font:12px sans-serif;max-width:160px}</style>")
            .Append("<h4>").Append(Encode(title)).Append("</h4><div>");

    private static string Figure(RgbImage image, string caption) =>
        $"<figure><img alt=\"{Encode(caption)}\" width=\"{Math.Clamp(image.Width, 128, 224)}\" style=\"image-rendering:pixelated\" src=\"data:image/png;base64,{Convert.ToBase64String(image.EncodePng())}\"/><figcaption>{Encode(caption)}</figcaption></figure>";

    /// <summary>"GradCAM: class 'cat' (281), score 12.3" for image n.</summary>
    private static string Caption(CamResult result, int n)
    {
        var classIndex = result.ClassIndices is { } classes && n < classes.Count ? classes[n] : (int?)null;
        // ClassLabels holds each image's class's label.
        var label = classIndex is { } c && result.ClassLabels is { } labels && n < labels.Count ? Invariant($"'{labels[n]}' ({c})") : classIndex?.ToString(CultureInfo.InvariantCulture);
        return Invariant($"{result.MethodName}: ") + (label is null ? result.Target : $"class {label}") + Invariant($", score {ScoreOf(result.Scores, n)}");
    }

    private static string BoxText(CamResult result, int n) =>
        CamLocalizer.Localize(result.HeatmapToArray(n)) is { } box ? Invariant($", box ({box.Left}, {box.Top})–({box.Right}, {box.Bottom})") : ", no box";

    private static string ScoreOf(TorchSharp.torch.Tensor scores, int n)
    {
        using var value = scores[n].to(TorchSharp.torch.float32).cpu();
        return value.item<float>().ToString("G4", CultureInfo.InvariantCulture);
    }

    private static string Encode(string text) => WebUtility.HtmlEncode(text);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
