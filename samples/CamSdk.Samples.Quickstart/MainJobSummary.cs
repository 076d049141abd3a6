using CamSdk.Guided;
using System.Collections.Generic;
using System.Linq;
using CamSdk.Evaluation;
using CamSdk.Shapes;

/// <summary>The main job's figures in sentences, as the README shows them; a section that could not run says so.</summary>
internal static class MainJobSummary
{
    private const string GradCam = "gradcam";
    private const string Guided = GuidedBackpropagation.Key;

    internal static IEnumerable<string> Lines(MainJobResult job, string starLine)
    {
        var (trained, report) = (job.Trained, job.Report);
        var localization = report.Localization;
        var gradCam = localization.Methods.First(m => m.MethodKey == GradCam);
        var baseline = localization.Methods.First(m => m.MethodKey == LocalizationEvaluator.CentredBoxKey);
        yield return $"ShapesNet {(trained.FromCache ? "loaded from the cache" : $"trained in {trained.Summary.TrainingSeconds:F0} s and cached")}; held-out accuracy {localization.Accuracy:P1} on {localization.Images:N0} images.";
        yield return starLine;
        yield return $"Localisation on {localization.Images:N0} held-out images: Grad-CAM's top-1 error {gradCam.Top1Error:P1} (a centred box: {baseline.Top1Error:P1}), " +
            $"ground-truth-class error {gradCam.GroundTruthClassError:P1}, pointing game {gradCam.PointingGame:P1}.";
        if (report.Discrimination is { } discrimination)
        {
            var shares = discrimination.Methods.ToDictionary(m => m.MethodKey);
            yield return $"Two objects of different classes ({discrimination.Images:N0} images): Grad-CAM puts {shares[GradCam].OwnBoxShare:P1} of a class's map in its own object's box " +
                $"and {shares[GradCam].OtherBoxShare:P1} in the other's; Guided Backprop {shares[Guided].OwnBoxShare:P1} and {shares[Guided].OtherBoxShare:P1}.";
        }

        if (report.Sanity is { } sanity)
        {
            foreach (var verdict in sanity.Verdicts.Where(v => v.MethodKey is GradCam or Guided))
            {
                yield return $"Sanity: {verdict.Text}";
            }

            var first = sanity.Steps[0].Similarity;
            yield return $"Sanity, top layer ({sanity.Steps[0].Layer}) alone re-initialised: Grad-CAM's rank correlation {first[GradCam].SpearmanAbsolute:F2}, Guided Backprop's {first[Guided].SpearmanAbsolute:F2}.";
        }

        if (report.DataRandomization is { } data)
        {
            yield return $"Shuffled labels (memorised to {data.TrainingAccuracy:P1}): Grad-CAM's rank correlation with the real model's maps {data.Check.Steps[0].Similarity[GradCam].SpearmanAbsolute:F2}.";
        }

        if (report.Faithfulness is { } faithfulness)
        {
            var faithful = faithfulness.Methods.ToDictionary(m => m.MethodKey);
            var (g, b) = (faithful[GradCam], faithful[Guided]);
            yield return $"Faithfulness ({faithfulness.Images} images): Grad-CAM deletion AUC {g.Deletion.Area:F3}, insertion AUC {g.Insertion.Area:F3}, ROAD combined {g.RoadCombined:F3}; " +
                $"Guided Backprop {b.Deletion.Area:F3}, {b.Insertion.Area:F3}, {b.RoadCombined:F3}.";
        }

        if (report.Shortcut is { } shortcut)
        {
            var (biased, unbiased) = (shortcut.Models[0], shortcut.Models[1]);
            yield return $"Shortcut: Grad-CAM puts {biased.MassShare:P1} of its mass on the watermark for the watermark-trained network and {unbiased.MassShare:P1} for the main one " +
                $"(the watermark is {shortcut.RegionShare:P1} of the image); without the watermark their accuracy is {biased.CleanAccuracy:P1} and {unbiased.CleanAccuracy:P1}.";
        }

        foreach (var problem in report.Problems)
        {
            var what = string.Join(", ", new[] { problem.Section, problem.MethodKey, problem.Step }.Where(p => p is not null));
            yield return $"Not computed ({what}): {problem.Reason}";
        }
    }
}
