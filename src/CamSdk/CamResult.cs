using System;
using System.Collections.Generic;
using CamSdk.Internal;
using TorchSharp;

namespace CamSdk;

/// <summary>
/// A batch of class activation maps. Owns its tensors (on the input's device): dispose it, or let an
/// enclosing <c>torch.NewDisposeScope()</c> do so.
/// </summary>
public sealed class CamResult : IDisposable
{
    private readonly IReadOnlyList<string>? _labels;

    internal CamResult(torch.Tensor rawMaps, torch.Tensor heatmaps, torch.Tensor scores, torch.Tensor outputs, IReadOnlyList<int>? classIndices, IReadOnlyList<string>? labels, bool namesClasses, string method, string methodKey, string target)
    {
        RawMaps = rawMaps;
        Heatmaps = heatmaps;
        Scores = scores;
        Outputs = outputs;
        ClassIndices = classIndices;
        _labels = labels;
        ClassLabels = namesClasses && classIndices is not null && labels is not null ? [.. System.Linq.Enumerable.Select(classIndices, c => labels[c])] : null;
        MethodName = method;
        MethodKey = methodKey;
        Target = target;
    }

    /// <summary>
    /// The maps at the explained layer's resolution, N×h×w, after the method's ReLU and not normalised (for Grad-CAM,
    /// ReLU(Σ_k α_k A^k)). With several layers, those of the first; with augmentation smoothing, those of the unaugmented input.
    /// </summary>
    public torch.Tensor RawMaps { get; }

    /// <summary>
    /// The maps at the input's size, N×H×W, in [0, 1], exactly as pytorch-grad-cam computes them: each layer's map scaled
    /// by (m − min) / (max(m − min) + 1e-7), resized bilinearly (align_corners = false), clipped at 0, averaged over the
    /// layers, and scaled again.
    /// </summary>
    public torch.Tensor Heatmaps { get; }

    /// <summary>The explained score of each image, shape [N]: the pre-softmax class score, or the target function's value.</summary>
    public torch.Tensor Scores { get; }

    /// <summary>
    /// The model's output for the batch from the explanation's own forward pass (detached; the class scores, through the
    /// explainer's class-score head, when the target explains classes): no second forward pass is needed to know what the
    /// model predicted. See <see cref="TopClasses"/>.
    /// </summary>
    public torch.Tensor Outputs { get; }

    /// <summary>The class explained for each image, or null when the target was a score function.</summary>
    public IReadOnlyList<int>? ClassIndices { get; }

    /// <summary>The label of the class explained for each image, when the explainer has class labels; otherwise null.</summary>
    public IReadOnlyList<string>? ClassLabels { get; }

    /// <summary>The name of the method that computed the maps, as pytorch-grad-cam names it (e.g. <c>GradCAM</c>, <c>ScoreCAM</c>).</summary>
    public string MethodName { get; }

    /// <summary>The method's key (<see cref="Methods.CamMethod.Key"/>: <c>gradcam</c>, <c>scorecam</c>…).</summary>
    public string MethodKey { get; }

    /// <summary>A description of the target (e.g. <c>predicted class</c>, <c>class 3</c>).</summary>
    public string Target { get; }

    /// <summary>The number of images in the batch.</summary>
    public int Count => (int)Scores.shape[0];

    /// <summary>Copies image <paramref name="index"/>'s normalised, upsampled heatmap to an H×W array.</summary>
    /// <param name="index">The image's position in the batch.</param>
    /// <returns>The heatmap, values in [0, 1], indexed [row, column].</returns>
    public float[,] HeatmapToArray(int index = 0) => HostArrays.Matrix(Heatmaps, index, "heatmaps");

    /// <summary>Copies image <paramref name="index"/>'s raw map at layer resolution to an h×w array.</summary>
    /// <param name="index">The image's position in the batch.</param>
    /// <returns>The raw map, indexed [row, column].</returns>
    public float[,] RawMapToArray(int index = 0) => HostArrays.Matrix(RawMaps, index, "raw maps");

    /// <summary>Copies the explained scores to an array, one per image.</summary>
    /// <returns>The scores in batch order.</returns>
    public float[] ScoresToArray() => HostArrays.Vector(Scores);

    /// <summary>
    /// Each image's <paramref name="k"/> highest-scoring classes from <see cref="Outputs"/>, with their scores,
    /// probabilities and labels: ranked on the device, copied to the host once.
    /// </summary>
    /// <param name="k">How many classes per image (at most the number of classes).</param>
    /// <returns>Per image, its top classes, highest first.</returns>
    /// <exception cref="CamTargetException">The outputs are not N×C class scores.</exception>
    public IReadOnlyList<IReadOnlyList<ClassScore>> TopClasses(int k = 5) => ClassRanking.Top(Outputs, k, _labels);

    /// <summary>The same result with other heatmaps; this result's heatmaps are disposed.</summary>
    internal CamResult ReplaceHeatmaps(torch.Tensor heatmaps)
    {
        Heatmaps.Dispose();
        return new CamResult(RawMaps, heatmaps, Scores, Outputs, ClassIndices, _labels, ClassLabels is not null, MethodName, MethodKey, Target);
    }

    /// <summary>Moves the result's tensors to the dispose scope outside the current one.</summary>
    internal void MoveToOuterDisposeScope()
    {
        RawMaps.MoveToOuterDisposeScope();
        Heatmaps.MoveToOuterDisposeScope();
        Scores.MoveToOuterDisposeScope();
        Outputs.MoveToOuterDisposeScope();
    }

    /// <summary>Releases the native memory of the maps, scores and outputs.</summary>
    public void Dispose()
    {
        RawMaps.Dispose();
        Heatmaps.Dispose();
        Scores.Dispose();
        Outputs.Dispose();
    }
}
