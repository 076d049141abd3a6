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

/// <summary>A batch explained by every method: the class scores, the classes by score, the explained classes and the maps.</summary>
internal sealed record FamilyBatch(float[][] Scores, int[][] Top, int[] Classes, FamilyMap[][] Maps);

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
        var maps = Enumerable.Range(0, count).Select(_ => new List<FamilyMap>()).ToArray();
        using (var cams = _explainer.Explain(input, _computed, target, cancellationToken))
        {
            for (var i = 0; i < count; i++)
            {
                maps[i].AddRange(_methods.Select((method, m) => new FamilyMap(Keys[m], cams[method].HeatmapToArray(i), null, null)));
            }

            if (_guided is not null)
            {
                using var guided = _guided.Explain(input, target, cancellationToken);
                var gradients = guided.Gradients;
                var guidedGradCam = gradients * cams[CamMethod.GradCam].Heatmaps.unsqueeze(1);
                foreach (var (key, pictures) in new[] { (ExplanationEvaluator.GuidedBackpropagationKey, gradients), (ExplanationEvaluator.GuidedGradCamKey, guidedGradCam) })
                {
                    var saliency = pictures.abs().amax([1]).cpu();
                    for (var i = 0; i < count; i++)
                    {
                        maps[i].Add(new FamilyMap(key, HostArrays.Matrix(saliency, i, key), HostArrays.Cube(pictures, i, key), keepPictures ? CamPictures.Gradients(pictures[i]) : null));
                    }
                }
            }
        }

        return new FamilyBatch(scores, top, classes, [.. maps.Select(m => m.ToArray())]);
    }
}
