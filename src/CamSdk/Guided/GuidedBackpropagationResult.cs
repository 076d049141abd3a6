using System;
using System.Collections.Generic;
using CamSdk.Internal;
using TorchSharp;

namespace CamSdk.Guided;

/// <summary>
/// Guided Backpropagation of a batch. Owns its tensors (on the input's device): dispose it, or let an
/// enclosing <c>torch.NewDisposeScope()</c> do so.
/// </summary>
public sealed class GuidedBackpropagationResult : IDisposable
{
    private readonly IReadOnlyList<string>? _labels;

    internal GuidedBackpropagationResult(torch.Tensor gradients, torch.Tensor scores, torch.Tensor outputs, IReadOnlyList<int>? classIndices, IReadOnlyList<string>? labels, bool namesClasses, string target)
    {
        Gradients = gradients;
        Scores = scores;
        Outputs = outputs;
        ClassIndices = classIndices;
        _labels = labels;
        ClassLabels = namesClasses && classIndices is not null && labels is not null ? [.. System.Linq.Enumerable.Select(classIndices, c => labels[c])] : null;
        Target = target;
    }

    /// <summary>The model's output for the batch from the guided pass's own forward pass (detached; the class scores for class targets).</summary>
    public torch.Tensor Outputs { get; }

    /// <summary>Each image's <paramref name="k"/> highest-scoring classes from <see cref="Outputs"/>, copied to the host once.</summary>
    /// <param name="k">How many classes per image.</param>
    /// <returns>Per image, its top classes, highest first.</returns>
    /// <exception cref="CamTargetException">The outputs are not N×C class scores.</exception>
    public IReadOnlyList<IReadOnlyList<ClassScore>> TopClasses(int k = 5) => ClassRanking.Top(Outputs, k, _labels);

    /// <summary>The guided gradient of each image's score with respect to its pixels, N×C×H×W, not normalised.</summary>
    public torch.Tensor Gradients { get; }

    /// <summary>The explained score of each image, shape [N].</summary>
    public torch.Tensor Scores { get; }

    /// <summary>The class explained for each image, or null when the target was a score function.</summary>
    public IReadOnlyList<int>? ClassIndices { get; }

    /// <summary>The label of the class explained for each image, when the explainer has class labels; otherwise null.</summary>
    public IReadOnlyList<string>? ClassLabels { get; }

    /// <summary>A description of the target (e.g. <c>predicted class</c>).</summary>
    public string Target { get; }

    /// <summary>Copies image <paramref name="index"/>'s guided gradient to a C×H×W array.</summary>
    /// <param name="index">The image's position in the batch.</param>
    /// <returns>The gradient, indexed [channel, row, column].</returns>
    public float[,,] GradientsToArray(int index = 0) => HostArrays.Cube(Gradients, index, "guided gradients");

    /// <summary>Releases the native memory of the gradients and scores.</summary>
    public void Dispose()
    {
        Gradients.Dispose();
        Scores.Dispose();
        Outputs.Dispose();
    }
}
