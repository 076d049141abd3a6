using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using CamSdk.Guided;
using CamSdk.Imaging;
using CamSdk.Internal;
using CamSdk.Methods;
using CamSdk.Targets;
using static TorchSharp.torch;

namespace CamSdk.Evaluation;

/// <summary>One method's explanation of one image: its map at the input's size and, for gradient methods, the gradients.</summary>
/// <param name="Key">The method's key.</param>
/// <param name="Map">The CAM heatmap, or for a gradient method its saliency (largest |gradient| over channels).</param>
/// <param name="Gradients">The gradient picture (channels × rows × columns) of a gradient method; null for the CAM family.</param>
/// <param name="Picture">The gradient picture as pytorch-grad-cam shows it, when asked for.</param>
internal sealed record FamilyMap(string Key, float[,] Map, float[,,]? Gradients, RgbImage? Picture);

/// <summary>
/// A batch explained by every method: the class scores, the classes by score, the explained classes and the maps. A method
/// that could not be computed on this batch has a flat zero map in every row and its reason in <paramref name="Failures"/>.
/// </summary>
internal sealed record FamilyBatch(float[][] Scores, int[][] Top, int[] Classes, FamilyMap[][] Maps, IReadOnlyDictionary<string, string> Failures);

/// <summary>
/// Explains batches with several CAM-family methods from one capture, plus Guided Backpropagation and Guided Grad-CAM
/// (Guided Backpropagation times Grad-CAM's heatmap): the measurements of <see cref="ExplanationEvaluator"/>,
/// <see cref="SanityCheck"/> and <see cref="FaithfulnessEvaluator"/> share it.
/// </summary>
internal sealed class FamilyExplainer
{
    private readonly nn.Module<Tensor, Tensor> _model;
    private readonly CamExplainer _explainer;
    private readonly GuidedBackpropagation? _guided;
    private readonly IReadOnlyList<CamMethod> _methods;
    private readonly IReadOnlyList<CamMethod> _computed;

    internal FamilyExplainer(nn.Module<Tensor, Tensor> model, nn.Module<Tensor, Tensor> layer, IReadOnlyList<CamMethod> methods, bool guided)
    {
        _model = model;
        _methods = methods;
        _explainer = new CamExplainer(model, layer);
        _guided = guided ? new GuidedBackpropagation(model) : null;
        // Guided Grad-CAM needs Grad-CAM's heatmap even when Grad-CAM is not measured itself.
        _computed = !guided || methods.Any(m => m.Name == CamMethod.GradCam.Name) ? methods : [.. methods, CamMethod.GradCam];
        Keys = KeysOf(methods, guided);
    }

    /// <summary>The methods' keys, in the order of each image's maps.</summary>
    internal IReadOnlyList<string> Keys { get; }

    /// <summary>The keys a family explainer of these methods gives, in the order of each image's maps.</summary>
    internal static IReadOnlyList<string> KeysOf(IReadOnlyList<CamMethod> methods, bool guided) =>
        [.. methods.Select(ExplanationEvaluator.KeyOf), .. guided ? new[] { ExplanationEvaluator.GuidedBackpropagationKey, ExplanationEvaluator.GuidedGradCamKey } : []];

    /// <summary>Explains each image of the batch for its class (its top-scoring class when <paramref name="classes"/> is null).</summary>
    /// <remarks>
    /// The model is put in evaluation mode under its lock, as an explanation does, and left as it was found.
    /// </remarks>
    internal FamilyBatch Explain(Tensor input, int[]? classes, bool keepPictures, CancellationToken cancellationToken) =>
        ModelState.InEvaluationMode(_model, () => ExplainInEvaluationMode(input, classes, keepPictures, cancellationToken));

    private FamilyBatch ExplainInEvaluationMode(Tensor input, int[]? classes, bool keepPictures, CancellationToken cancellationToken)
    {
        using var scope = NewDisposeScope();
        Tensor logits;
        using (no_grad())
        {
            logits = _model.call(input).to(float32).cpu();
        }

        var count = (int)input.shape[0];
        var scores = Enumerable.Range(0, count).Select(i => HostArrays.Flat(logits, i, "scores")).ToArray();
        var top = scores.Select(s => Enumerable.Range(0, s.Length).OrderByDescending(c => s[c]).ThenBy(c => c).ToArray()).ToArray();
        classes ??= [.. top.Select(t => t[0])];
        var target = CamTarget.Classes(classes);
        var failures = new Dictionary<string, string>();
        var (heatmaps, camFailures) = CamHeatmaps(input, target, cancellationToken);
        var byKey = new Dictionary<string, FamilyMap[]>();
        for (var m = 0; m < _methods.Count; m++)
        {
            var (method, key) = (_methods[m], Keys[m]);
            if (heatmaps.TryGetValue(method.Name, out var maps))
            {
                byKey[key] = [.. Enumerable.Range(0, count).Select(i => new FamilyMap(key, HostArrays.Matrix(maps, i, key), null, null))];
            }
            else
            {
                byKey[key] = Failed(key, input, failures, camFailures[method.Name]);
            }
        }

        if (_guided is not null)
        {
            const string gb = ExplanationEvaluator.GuidedBackpropagationKey, ggc = ExplanationEvaluator.GuidedGradCamKey;
            try
            {
                using var guided = _guided.Explain(input, target, cancellationToken);
                byKey[gb] = Pictures(gb, guided.Gradients, keepPictures);
                byKey[ggc] = heatmaps.TryGetValue(CamMethod.GradCam.Name, out var gradCam)
                    ? Pictures(ggc, guided.Gradients * gradCam.unsqueeze(1), keepPictures)
                    : Failed(ggc, input, failures, $"it multiplies Grad-CAM, which failed: {camFailures[CamMethod.GradCam.Name]}");
            }
            catch (CamException e)
            {
                byKey[gb] = Failed(gb, input, failures, e.Message);
                byKey[ggc] = Failed(ggc, input, failures, $"it multiplies Guided Backpropagation, which failed: {e.Message}");
            }
        }

        var rows = Enumerable.Range(0, count).Select(i => Keys.Select(key => byKey[key][i]).ToArray()).ToArray();
        return new FamilyBatch(scores, top, classes, rows, failures);
    }

    /// <summary>
    /// Every CAM method's heatmaps (N×H×W, in the caller's dispose scope) by method name, from one capture; when that fails,
    /// each method alone, so that one method's failure costs only that method (its reason under its name).
    /// </summary>
    private (Dictionary<string, Tensor> Heatmaps, Dictionary<string, string> Failures) CamHeatmaps(Tensor input, CamTarget target, CancellationToken cancellationToken)
    {
        var (heatmaps, failures) = (new Dictionary<string, Tensor>(), new Dictionary<string, string>());
        if (_computed.Count == 0)
        {
            return (heatmaps, failures);
        }

        try
        {
            using var cams = _explainer.Explain(input, _computed, target, cancellationToken);
            foreach (var method in _computed)
            {
                heatmaps[method.Name] = cams[method].Heatmaps.detach().clone();
            }

            return (heatmaps, failures);
        }
        catch (CamException e) when (_computed.Count == 1)
        {
            failures[_computed[0].Name] = e.Message;
            return (heatmaps, failures);
        }
        catch (CamException)
        {
            // One pass for all failed: find which, each method on its own.
        }

        foreach (var method in _computed)
        {
            try
            {
                using var cam = _explainer.Explain(input, [method], target, cancellationToken);
                heatmaps[method.Name] = cam[method].Heatmaps.detach().clone();
            }
            catch (CamException e)
            {
                failures[method.Name] = e.Message;
            }
        }

        return (heatmaps, failures);
    }

    private static FamilyMap[] Pictures(string key, Tensor pictures, bool keepPictures)
    {
        var saliency = pictures.abs().amax([1]).cpu();
        return [.. Enumerable.Range(0, (int)pictures.shape[0]).Select(i => new FamilyMap(key, HostArrays.Matrix(saliency, i, key), HostArrays.Cube(pictures, i, key), keepPictures ? CamPictures.Gradients(pictures[i]) : null))];
    }

    /// <summary>A failed method's rows, one per image: flat zero maps (and zero pictures for gradient methods); its reason is recorded under its key.</summary>
    private static FamilyMap[] Failed(string key, Tensor input, Dictionary<string, string> failures, string reason)
    {
        failures[key] = reason;
        var (count, channels, height, width) = ((int)input.shape[0], (int)input.shape[1], (int)input.shape[2], (int)input.shape[3]);
        var gradient = key is ExplanationEvaluator.GuidedBackpropagationKey or ExplanationEvaluator.GuidedGradCamKey;
        return [.. Enumerable.Range(0, count).Select(_ => new FamilyMap(key, new float[height, width], gradient ? new float[channels, height, width] : null, null))];
    }
}
