using System.Text.RegularExpressions;
using CamSdk.Evaluation;
using CamSdk.Imaging;
using CamSdk.Interactive;
using CamSdk.Methods;
using CamSdk.Shapes;
using CamSdk.Targets;
using CamSdk.Tests.Support;
using Microsoft.DotNet.Interactive.Formatting;
using static TorchSharp.torch;

namespace CamSdk.Tests;

/// <summary>What a notebook shows of each result: HTML with one embedded PNG per picture, and the same in words.</summary>
public sealed class FormatterTests
{
    static FormatterTests() => CamFormatters.Register();

    private static int Pictures(string html) => Regex.Matches(html, "<img [^>]*src=\"data:image/png;base64,[A-Za-z0-9+/=]{40,}\"").Count;

    [Fact]
    public void AResultSetShowsEveryMethodsHeatmapPerImageWithClassAndScore()
    {
        manual_seed(3);
        var model = new SmallCnn(classes: 4);
        using var input = randn(2, 3, 16, 16);
        using var results = new CamExplainer(model, model.features).Explain(input, [CamMethods.GradCam, CamMethods.LayerCam], CamTarget.Class(2));
        var html = results.ToDisplayString(HtmlFormatter.MimeType);
        Assert.Equal(4, Pictures(html));
        Assert.Equal(2, Regex.Matches(html, "class=\"camsdk-row\"").Count);
        var scores = results[0].ScoresToArray();
        Assert.Contains($"GradCAM: class 2, score {scores[0].ToString("G4", System.Globalization.CultureInfo.InvariantCulture)}", html);
        Assert.Contains("LayerCAM: class 2", html);

        var text = results.ToDisplayString(PlainTextFormatter.MimeType);
        Assert.Equal(4, text.Split('\n').Length);
        Assert.StartsWith($"GradCAM: class 2, score {scores[0].ToString("G4", System.Globalization.CultureInfo.InvariantCulture)}, ", text);
        Assert.DoesNotContain("<", text);
        Assert.Equal(2, Pictures(results[0].ToDisplayString(HtmlFormatter.MimeType)));
    }

    [Fact]
    public void ImagesWithTheirExplanationsShowTheImageAndEveryOverlayWithLabels()
    {
        var data = new SyntheticShapes(2017, 64);
        var shapes = Enumerable.Range(0, 2).Select(i => data.SingleObject(SyntheticShapes.HeldOutStart + i).Image).ToArray();
        var (batch, pictures) = ShapesNet.Preprocessor.ToBatchAndPictures(shapes);
        using var _ = batch;
        manual_seed(4);
        var model = new SmallCnn(classes: SyntheticShapes.ClassCount);
        var explainer = new CamExplainer(model, model.features, new ExplainerOptions { ClassLabels = SyntheticShapes.ClassNames });
        using var results = explainer.Explain(batch, [CamMethods.GradCam, CamMethods.EigenCam], CamTarget.Class(3));
        var shown = new ExplainedImages(pictures, results);
        var html = shown.ToDisplayString(HtmlFormatter.MimeType);
        Assert.Equal(6, Pictures(html)); // each image, then two overlays
        Assert.Contains($"GradCAM: class &#39;{SyntheticShapes.ClassNames[3]}&#39; (3)", html);
        Assert.Contains("image 1", html);
        Assert.Contains($"2 image(s) explained by GradCAM, EigenCAM:", shown.ToDisplayString(PlainTextFormatter.MimeType));
        Assert.Throws<ArgumentException>(() => new ExplainedImages([pictures[0]], results));
    }

    [Fact]
    public void GuidedResultsShowTheirGradientPictures()
    {
        manual_seed(5);
        var model = new SmallCnn(classes: 3);
        using var input = randn(2, 3, 16, 16);
        using var guided = new CamExplainer(model, model.features).ExplainGuided(input, CamTarget.Class(1));
        var html = guided.ToDisplayString(HtmlFormatter.MimeType);
        Assert.Equal(6, Pictures(html)); // per image: heatmap, guided backpropagation, guided Grad-CAM
        Assert.Contains("Guided Grad-CAM", html);
        using var plain = new CamSdk.Guided.GuidedBackpropagation(model).Explain(input, CamTarget.Class(1));
        Assert.Equal(2, Pictures(plain.ToDisplayString(HtmlFormatter.MimeType)));
        Assert.StartsWith("Guided Backpropagation of 2 image(s), gradients 2×3×16×16; scores ", plain.ToDisplayString(PlainTextFormatter.MimeType));
    }

    [Fact]
    public void ASanityCheckShowsItsVerdictsAndPlots()
    {
        manual_seed(6);
        var model = new SmallCnn(classes: 3);
        using var images = rand(2, 3, 16, 16);
        var sanity = SanityCheck.Run(model, model.features, images, [CamMethods.GradCam], new SanityCheckOptions { CreateModel = () => new SmallCnn(classes: 3) });
        var html = sanity.ToDisplayString(HtmlFormatter.MimeType);
        Assert.Equal(2, Pictures(html)); // cascading and independent
        Assert.Contains("<b>GradCAM</b>", html);
        var text = sanity.ToDisplayString(PlainTextFormatter.MimeType);
        Assert.Equal(sanity.Verdicts.Count, text.Split('\n').Length);
        Assert.Contains(sanity.Verdicts[0].Text, text);
    }

    [Fact]
    public void AnEvaluationShowsTheReportsSectionsNotAPage()
    {
        var data = new SyntheticShapes(2017, 64);
        var images = Enumerable.Range(0, 4).Select(i => data.SingleObject(SyntheticShapes.HeldOutStart + i))
            .Select((s, i) => new EvaluationImage($"shape {i}", s.Image, [new GroundTruthObject((int)s.Label, s.Objects[0].Box)])).ToArray();
        manual_seed(7);
        var model = new SmallCnn(classes: SyntheticShapes.ClassCount);
        var evaluator = new LocalizationEvaluator(model, model.features, [CamMethods.GradCam], ShapesNet.Preprocessor) { BatchSize = 2 };
        var report = new EvaluationReport
        {
            Title = "A small evaluation",
            Model = "SmallCnn",
            Layer = "features",
            Dataset = "four shapes",
            ClassNames = SyntheticShapes.ClassNames,
            Localization = evaluator.EvaluateLocalization(images),
        };
        var html = report.ToDisplayString(HtmlFormatter.MimeType);
        Assert.StartsWith("<div class=\"camsdk-report\">", html);
        Assert.DoesNotContain("<html", html);
        Assert.Contains("id=\"localisation-table\"", html);
        Assert.True(Pictures(html) > 0);
        var text = report.ToDisplayString(PlainTextFormatter.MimeType);
        Assert.Contains("Localisation on 4 images", text);
        Assert.Contains("GradCAM: top-1 error", text);
    }
}
