using CamSdk.Guided;
using System.Text.Json;
using CamSdk.Evaluation;
using CamSdk.Models;
using CamSdk.Tests.Support;
using CamSdk.Shapes;

namespace CamSdk.Tests;

/// <summary>The main job end to end at a tiny size: training, its cache, the evaluation, and the files it writes.</summary>
[Trait("Speed", "Slow")]
[Collection(TinyMainJobCollection.Name)]
public sealed class MainJobTests(TinyMainJob job)
{
    private static readonly string[] CamKeys =
        ["gradcam", "gradcam++", "xgradcam", "hirescam", "gradcamelementwise", "layercam", "eigencam", "eigengradcam", "scorecam", "ablationcam", "cam"];

    [Fact]
    public void MetricsJsonNamesEveryMetricAndMethodWithValuesInRange()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(job.MetricsPath));
        var root = json.RootElement;
        Assert.Equal("camsdk-evaluation/1", root.GetProperty("schema").GetString());
        Assert.Equal(8, root.GetProperty("localization").GetProperty("images").GetInt32());
        var localization = root.GetProperty("localization").GetProperty("methods");
        string[] localized = [.. CamKeys, "guided-backprop", "guided-gradcam", "centred-box"];
        Assert.Equal(localized, localization.EnumerateObject().Select(p => p.Name));
        foreach (var method in localization.EnumerateObject())
        {
            foreach (var metric in new[] { "top1_localization_error", "ground_truth_class_localization_error", "pointing_game_accuracy" })
            {
                var value = method.Value.GetProperty(metric).GetDouble();
                Assert.InRange(value, 0, 1);
                Assert.Equal(0, value * 8 % 1, 9); // a count over 8 images
            }

            // Top-1 error counts every ground-truth-class error, and at most the misclassified images besides.
            var top1 = method.Value.GetProperty("top1_localization_error").GetDouble();
            var truth = method.Value.GetProperty("ground_truth_class_localization_error").GetDouble();
            var accuracy = root.GetProperty("classification").GetProperty("top1_accuracy").GetDouble();
            Assert.InRange(top1, truth - 1e-12, truth + (1 - accuracy) + 1e-12);
        }

        var discrimination = root.GetProperty("discrimination").GetProperty("methods");
        Assert.Equal([.. CamKeys, "guided-backprop", "guided-gradcam"], discrimination.EnumerateObject().Select(p => p.Name));
        foreach (var method in discrimination.EnumerateObject())
        {
            var (own, other) = (method.Value.GetProperty("own_box_share").GetDouble(), method.Value.GetProperty("other_box_share").GetDouble());
            Assert.InRange(own + other, 0, 1 + 1e-9); // the two boxes are disjoint
            Assert.Equal(own - other, method.Value.GetProperty("margin").GetDouble(), 12);
        }

        Assert.Equal(1, root.GetProperty("training").GetProperty("epoch_losses").GetArrayLength());
    }

    [Fact]
    public void MetricsJsonHoldsTheSanityFaithfulnessAndShortcutFigures()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(job.MetricsPath));
        var root = json.RootElement;
        string[] checkedMethods = ["gradcam", "gradcam++", "layercam", "eigencam", "guided-backprop", "guided-gradcam"];

        var model = root.GetProperty("sanity").GetProperty("model_randomization");
        var layers = model.GetProperty("layers_top_down").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Equal("fc", layers[0]);
        Assert.Equal(11, layers.Count); // five convolutions, five batch norms, the head
        foreach (var test in new[] { "cascading", "independent" })
        {
            var steps = model.GetProperty(test).EnumerateArray().ToList();
            Assert.Equal(layers, steps.Select(s => s.GetProperty("layer").GetString()));
            foreach (var step in steps)
            {
                Assert.Equal(checkedMethods, step.GetProperty("methods").EnumerateObject().Select(p => p.Name));
                foreach (var method in step.GetProperty("methods").EnumerateObject())
                {
                    foreach (var statistic in new[] { "spearman_abs", "spearman", "ssim", "hog" })
                    {
                        Assert.InRange(method.Value.GetProperty(statistic).GetDouble(), -1 - 1e-9, 1 + 1e-9);
                    }
                }
            }
        }

        var data = root.GetProperty("sanity").GetProperty("data_randomization");
        Assert.Equal(checkedMethods, data.GetProperty("methods").EnumerateObject().Select(p => p.Name));
        Assert.InRange(data.GetProperty("shuffled_training_accuracy").GetDouble(), 0, 1);

        var faithfulness = root.GetProperty("faithfulness").GetProperty("methods");
        Assert.Equal([.. CamKeys, "guided-backprop", "guided-gradcam"], faithfulness.EnumerateObject().Select(p => p.Name));
        foreach (var method in faithfulness.EnumerateObject())
        {
            // Probabilities: areas and curves within [0, 1], changes within [-1, 1].
            Assert.InRange(method.Value.GetProperty("deletion_auc").GetDouble(), 0, 1);
            Assert.InRange(method.Value.GetProperty("insertion_auc").GetDouble(), 0, 1);
            Assert.InRange(method.Value.GetProperty("road_combined").GetDouble(), -1, 1);
            Assert.Equal(9, method.Value.GetProperty("road_most_relevant_first").GetArrayLength());
            Assert.Equal(17, method.Value.GetProperty("deletion_curve").GetArrayLength()); // 4,096 pixels in steps of 256
        }

        // Grad-CAM, XGrad-CAM, HiRes-CAM and CAM coincide on this network: their faithfulness figures too.
        Assert.Equal(faithfulness.GetProperty("gradcam").GetProperty("deletion_auc").GetDouble(), faithfulness.GetProperty("cam").GetProperty("deletion_auc").GetDouble(), 5);

        var shortcut = root.GetProperty("shortcut");
        Assert.Equal(12, shortcut.GetProperty("images").GetInt32());
        Assert.Equal(144.0 / 4096, shortcut.GetProperty("watermark_area_share").GetDouble(), 12);
        Assert.Equal(["watermark shortcut", "no watermark"], shortcut.GetProperty("models").EnumerateObject().Select(p => p.Name));
        foreach (var m in shortcut.GetProperty("models").EnumerateObject())
        {
            Assert.Equal(SyntheticShapesClassCount, m.Value.GetProperty("mass_share_by_class").EnumerateObject().Count());
            Assert.InRange(m.Value.GetProperty("mass_share").GetDouble(), 0, 1);
        }
    }

    private const int SyntheticShapesClassCount = 6;

    [Fact]
    public void GradCamEqualsCamOnThisGlobalAveragePoolingNetwork()
    {
        // ShapesNet ends in global average pooling and a linear layer, where Grad-CAM's weights are CAM's (up to a positive
        // factor that the scaling removes): their maps must agree image by image.
        var images = job.Report.Localization.Gallery.Concat(job.Report.Discrimination!.Gallery).ToList();
        var classes = images.SelectMany(i => i.Classes).ToList();
        Assert.NotEmpty(classes);
        Assert.Contains(classes, c => c.Maps.Single(m => m.MethodKey == "gradcam").Map.Cast<float>().Max() > 0.99f); // not all empty
        foreach (var explained in classes)
        {
            var maps = explained.Maps.ToDictionary(m => m.MethodKey);
            var (cam, gradCam) = (maps["cam"].Map, maps["gradcam"].Map);
            var largest = cam.Cast<float>().Zip(gradCam.Cast<float>(), (a, b) => Math.Abs(a - b)).Max();
            Assert.True(largest < 1e-5, $"CAM and Grad-CAM differ by {largest}.");
            var peak = gradCam.Cast<float>().Max();
            Assert.True(peak == 0 || Math.Abs(peak - 1) < 1e-6, $"Grad-CAM's map peaks at {peak}: neither scaled to 1 nor empty.");
        }
    }

    [Fact]
    public void TheReportIsOneSelfContainedPageWithTablesAndPictures()
    {
        var html = File.ReadAllText(job.HtmlPath);
        Assert.StartsWith("<!DOCTYPE html>", html);
        Assert.Contains("id=\"localisation-table\"", html);
        Assert.Contains("id=\"discrimination-table\"", html);
        Assert.DoesNotContain("src=\"http", html);
        Assert.DoesNotContain("<script", html);
        Assert.Contains("id=\"sanity-table\"", html);
        Assert.Contains("id=\"faithfulness-table\"", html);
        Assert.Contains("id=\"shortcut-table\"", html);
        // 3 plots; per gallery image 1 + 13 pictures (8 images), per pair 2 × 14 (4 pairs), per failure 2 × 14; then 7 plots
        // of the checks, the sanity maps (6 methods × the original and 11 depths) and the shortcut's 6 examples × 3 pictures.
        var failures = job.Report.Localization.Failures.Count;
        Assert.Equal(3 + 8 * 14 + 4 * 28 + failures * 28 + 7 + 6 * 12 + 6 * 3, CountOf(html, "src=\"data:image/png;base64,"));
    }

    [Fact]
    public void ASecondRunLoadsTheCachedWeightsAndRetrainingReplacesThem()
    {
        using var cached = ShapesNetTrainer.TrainOrLoad(job.Options);
        Assert.True(cached.FromCache);
        Assert.Equal(job.Trained.WeightsPath, cached.WeightsPath);
        Assert.Equal(job.Trained.Summary.HeldOutAccuracy, cached.Summary.HeldOutAccuracy);
        var trained = job.Trained.Model.state_dict();
        foreach (var (name, value) in cached.Model.state_dict())
        {
            Assert.True(value.allclose(trained[name], rtol: 0, atol: 0), $"{name} differs after loading from the cache.");
        }

        var elsewhere = job.Options with { CacheDirectory = Path.Combine(job.Folder, "other-cache"), Retrain = true, TrainingImages = 32 };
        using var retrained = ShapesNetTrainer.TrainOrLoad(elsewhere);
        Assert.False(retrained.FromCache);
        Assert.True(File.Exists(retrained.WeightsPath));
    }

    [Fact]
    public void TheCacheKeyFollowsEverythingThatChangesTheWeightsAndNothingElse()
    {
        var options = new ShapesTrainingOptions();
        var key = ShapesNetTrainer.CacheKey(options);
        Assert.Matches("^[0-9a-f]{16}$", key);
        Assert.Equal(key, ShapesNetTrainer.CacheKey(options with { CacheDirectory = "/elsewhere", Retrain = true }));
        Assert.NotEqual(key, ShapesNetTrainer.CacheKey(options with { Seed = 1 }));
        Assert.NotEqual(key, ShapesNetTrainer.CacheKey(options with { Epochs = options.Epochs + 1 }));
        Assert.NotEqual(key, ShapesNetTrainer.CacheKey(options with { LearningRate = options.LearningRate * 2 }));
        Assert.NotEqual(key, ShapesNetTrainer.CacheKey(options with { ImageSize = 80 }));
        Assert.Contains($"SyntheticShapes/{SyntheticShapes.Version}", options.Configuration);
    }

    [Fact]
    public void TheEvaluatorRefusesWhatItCannotMeasure()
    {
        var model = job.Trained.Model;
        var methods = ShapesEvaluation.Methods(model);
        Assert.Throws<ArgumentException>(() => new LocalizationEvaluator(model, model.Layer4, methods, Imaging.ImagePreprocessor.ImageNet));
        var evaluator = new LocalizationEvaluator(model, model.Layer4, methods, ShapesNet.Preprocessor);
        var single = ShapesEvaluation.SingleObjectImages(new SyntheticShapes(2017, 64), 2);
        var error = Assert.Throws<ArgumentException>(() => evaluator.EvaluateDiscrimination(single));
        Assert.Contains("needs 2 per image", error.Message);
        Assert.True(model.training is false);
    }

    private static int CountOf(string text, string value)
    {
        var count = 0;
        for (var at = text.IndexOf(value, StringComparison.Ordinal); at >= 0; at = text.IndexOf(value, at + value.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
