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
/// The maps of several CAM-family methods from one capture, plus Guided Backpropagation and Guided Grad-CAM (Guided
/// Backpropagation times Grad-CAM's heatmap), for a batch: what <see cref="LocalizationEvaluator"/>,
/// <see cref="SanityCheck"/> and <see cref="FaithfulnessEvaluator"/> measure. The model's class scores come from the
/// explanation's own forward pass: no extra forward pass per batch.
/// </summary>
internal sealed class FamilyMaps
{
    private readonly nn.Module<Tensor, Tensor> _model;
    private readonly CamExplainer _explainer;
    private readonly GuidedBackpropagation? _guided;
    private readonly IReadOnlyList<CamMethod> _methods;
    private readonly IReadOnlyList<CamMethod> _computed;

    internal FamilyMaps(nn.Module<Tensor, Tensor> model, nn.Module<Tensor, Tensor> layer, IReadOnlyList<CamMethod> methods, bool guided)
    {
        _model = model;
        _methods = methods;
        _explainer = new CamExplainer(model, layer);
        _guided = guided ? new GuidedBackpropagation(model) : null;
        // Guided Grad-CAM needs Grad-CAM's heatmap even when Grad-CAM is not measured itself.
        _computed = !guided || methods.Any(m => m.Key == CamMethods.GradCam.Key) ? methods : [.. methods, CamMethods.GradCam];
        Keys = [.. methods.Select(m => m.Key), .. guided ? new[] { GuidedBackpropagation.Key, GuidedBackpropagation.GuidedGradCamKey } : []];
        Names = Keys.Zip([.. methods.Select(m => m.Name), .. guided ? new[] { GuidedBackpropagation.Name, GuidedBackpropagation.GuidedGradCamName } : []])
            .ToDictionary(p => p.First, p => p.Second);
    }

    /// <summary>The methods' keys, in the order of each image's maps.</summary>
    internal IReadOnlyList<string> Keys { get; }

    /// <summary>Each method's name by key, as the methods themselves give it.</summary>
    internal IReadOnlyDictionary<string, string> Names { get; }

    /// <summary>Explains each image of the batch for its class (its top-scoring class when <paramref name="classes"/> is null).</summary>
    /// <remarks>
    /// The model is put in evaluation mode under its lock, as an explanation does, and left as it was found.
    /// </remarks>
    internal FamilyBatch Explain(Tensor input, int[]? classes, bool keepPictures, CancellationToken cancellationToken) =>
        ModelState.InEvaluationMode(_model, () => ExplainInEvaluationMode(input, classes, keepPictures, cancellationToken));

    private FamilyBatch ExplainInEvaluationMode(Tensor input, int[]? classes, bool keepPictures, CancellationToken cancellationToken)
    {
        using var scope = NewDisposeScope();
        var count = (int)input.shape[0];
        var target = classes is null ? CamTarget.PredictedClass : CamTarget.Classes(classes);
        var failures = new Dictionary<string, string>();
        var (heatmaps, camFailures, outputs) = CamHeatmaps(input, target, cancellationToken);
        Tensor? gradients = null;
        string? guidedFailure = null;
        if (_guided is not null)
        {
            try
            {
                // The guided pass explains the classes the maps explained, and serves as the forward pass when no map could be made.
                using var guided = _guided.Explain(input, outputs is null ? target : CamTarget.Classes(Predicted(outputs, classes)), cancellationToken);
                gradients = guided.Gradients.detach().clone();
                outputs ??= guided.Outputs.detach().clone();
            }
            catch (CamException e)
            {
                guidedFailure = e.Message;
            }
        }

        if (outputs is null)
        {
            // Nothing could be explained: the class scores alone, so that the images still count as classified.
            using var noGrad = no_grad();
            outputs = _model.call(input);
        }

        var logits = outputs.to(float32).cpu();
        var all = logits.data<float>().ToArray();
        var classCount = (int)logits.shape[1];
        var scores = Enumerable.Range(0, count).Select(i => all.AsSpan(i * classCount, classCount).ToArray()).ToArray();
        var top = scores.Select(s => Enumerable.Range(0, s.Length).OrderByDescending(c => s[c]).ThenBy(c => c).ToArray()).ToArray();
        classes ??= [.. top.Select(t => t[0])];

        var byKey = new Dictionary<string, FamilyMap[]>();
        for (var m = 0; m < _methods.Count; m++)
        {
            var (method, key) = (_methods[m], Keys[m]);
            // One copy to the host per method, not one per image.
            byKey[key] = heatmaps.TryGetValue(method.Key, out var maps) && maps.cpu() is var host
                ? [.. Enumerable.Range(0, count).Select(i => new FamilyMap(key, HostArrays.Matrix(host, i, key), null, null))]
                : Failed(key, input, failures, camFailures[method.Key]);
        }

        if (_guided is not null)
        {
            const string gb = GuidedBackpropagation.Key, ggc = GuidedBackpropagation.GuidedGradCamKey;
            if (gradients is null)
            {
                byKey[gb] = Failed(gb, input, failures, guidedFailure!);
                byKey[ggc] = Failed(ggc, input, failures, $"it multiplies Guided Backpropagation, which failed: {guidedFailure}");
            }
            else
            {
                byKey[gb] = Pictures(gb, gradients, keepPictures);
                byKey[ggc] = heatmaps.TryGetValue(CamMethods.GradCam.Key, out var gradCam)
                    ? Pictures(ggc, GuidedBackpropagation.Combine(gradients, gradCam), keepPictures)
                    : Failed(ggc, input, failures, $"it multiplies Grad-CAM, which failed: {camFailures[CamMethods.GradCam.Key]}");
            }
        }

        var rows = Enumerable.Range(0, count).Select(i => Keys.Select(key => byKey[key][i]).ToArray()).ToArray();
        return new FamilyBatch(scores, top, classes, rows, failures);
    }

    /// <summary>The classes explained: those given, or each image's top class from the explained pass's outputs.</summary>
    private static int[] Predicted(Tensor outputs, int[]? classes)
    {
        if (classes is not null)
        {
            return classes;
        }

        using var indices = outputs.argmax(1).cpu();
        return [.. indices.data<long>().Select(i => (int)i)];
    }

    /// <summary>
    /// Every CAM method's heatmaps (N×H×W, in the caller's dispose scope) by method key, from one capture, and the model's
    /// outputs from that capture's forward pass; when the capture fails, each method alone, so that one method's failure
    /// costs only that method (its reason under its key).
    /// </summary>
    private (Dictionary<string, Tensor> Heatmaps, Dictionary<string, string> Failures, Tensor? Outputs) CamHeatmaps(Tensor input, CamTarget target, CancellationToken cancellationToken)
    {
        var (heatmaps, failures) = (new Dictionary<string, Tensor>(), new Dictionary<string, string>());
        Tensor? outputs = null;
        if (_computed.Count == 0)
        {
            return (heatmaps, failures, outputs);
        }

        try
        {
            using var cams = _explainer.Explain(input, _computed, target, cancellationToken);
            foreach (var method in _computed)
            {
                heatmaps[method.Key] = cams[method].Heatmaps.detach().clone();
            }

            return (heatmaps, failures, cams[0].Outputs.detach().clone());
        }
        catch (CamException e) when (_computed.Count == 1)
        {
            failures[_computed[0].Key] = e.Message;
            return (heatmaps, failures, outputs);
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
                heatmaps[method.Key] = cam[method].Heatmaps.detach().clone();
                outputs ??= cam[method].Outputs.detach().clone();
            }
            catch (CamException e)
            {
                failures[method.Key] = e.Message;
            }
        }

        return (heatmaps, failures, outputs);
    }

    private static FamilyMap[] Pictures(string key, Tensor pictures, bool keepPictures)
    {
        // One copy to the host per method and batch; the saliency is taken there.
        var host = pictures.cpu();
        var saliency = host.abs().amax([1]);
        return [.. Enumerable.Range(0, (int)pictures.shape[0]).Select(i => new FamilyMap(key, HostArrays.Matrix(saliency, i, key), HostArrays.Cube(host, i, key), keepPictures ? CamPictures.Gradients(host[i]) : null))];
    }

    /// <summary>A failed method's rows, one per image: flat zero maps (and zero pictures for gradient methods); its reason is recorded under its key.</summary>
    private static FamilyMap[] Failed(string key, Tensor input, Dictionary<string, string> failures, string reason)
    {
        failures[key] = reason;
        var (count, channels, height, width) = ((int)input.shape[0], (int)input.shape[1], (int)input.shape[2], (int)input.shape[3]);
        var gradient = key is GuidedBackpropagation.Key or GuidedBackpropagation.GuidedGradCamKey;
        return [.. Enumerable.Range(0, count).Select(_ => new FamilyMap(key, new float[height, width], gradient ? new float[channels, height, width] : null, null))];
    }
}
