using CamSdk.Internal;
using System;
using System.Collections.Generic;
using TorchSharp;

namespace CamSdk.Targets;

/// <summary>
/// What to explain: which differentiable scalar per image the map answers for.
/// </summary>
/// <remarks>
/// The paper computes the gradient of the score y^c for class c before the softmax; these targets select
/// such a score per image from the model's output. <see cref="Score"/> explains any other differentiable
/// output (one head of a multi-output model, a captioning log-likelihood, a VQA answer score...).
/// </remarks>
public abstract class CamTarget
{
    private protected CamTarget()
    {
    }

    /// <summary>The class with the highest score for each image (argmax over the logits). The default target.</summary>
    public static CamTarget PredictedClass { get; } = new PredictedClassTarget();

    /// <summary>The same class for every image of the batch.</summary>
    /// <param name="classIndex">A zero-based index into the model's N×C output.</param>
    /// <returns>A target that selects logit <paramref name="classIndex"/> of every image.</returns>
    public static CamTarget Class(int classIndex) => new ClassTarget([classIndex], broadcast: true);

    /// <summary>One class per image of the batch, in batch order.</summary>
    /// <param name="classIndices">Exactly one zero-based class index per image.</param>
    /// <returns>A target that selects logit <c>classIndices[n]</c> of image n.</returns>
    public static CamTarget Classes(IReadOnlyList<int> classIndices)
    {
        ArgumentNullException.ThrowIfNull(classIndices);
        return new ClassTarget([.. classIndices], broadcast: false);
    }

    /// <summary>Any differentiable scalar per image, computed from the model's output.</summary>
    /// <remarks>
    /// <b>Image n's score must depend on image n's row of the output only.</b> CamSdk differentiates the sum of the
    /// batch's scores once, so a function that mixes images (<c>output.sum()</c>, a mean or softmax across the batch)
    /// would give every image the batch's gradient. For a batch of several images this is checked exactly before the
    /// backward pass (the function is called once more, on a copy of the output, with one small backward pass per image
    /// through the function alone) and refused with a <see cref="CamTargetException"/>. An exception the function
    /// throws is reported as a <see cref="CamTargetException"/> with it inside.
    /// </remarks>
    /// <param name="scoreFunction">
    /// Maps the model's output to a tensor of shape [N]: one score per image, with a gradient path back to
    /// the explained layer. It must not sum over the batch: image n's score may depend only on image n.
    /// </param>
    /// <param name="description">A short name for the target, used in messages and results.</param>
    /// <returns>A target that explains <paramref name="scoreFunction"/>'s scores.</returns>
    public static CamTarget Score(Func<torch.Tensor, torch.Tensor> scoreFunction, string? description = null)
    {
        ArgumentNullException.ThrowIfNull(scoreFunction);
        return new ScoreTarget(scoreFunction, description ?? "score function");
    }

    /// <summary>Whether the target selects class scores (and so goes through the explainer's class-score head and labels).</summary>
    internal virtual bool SelectsClasses => true;

    /// <summary>Selects the score of each image from the model's output.</summary>
    /// <param name="output">The model's output for a batch of <paramref name="batchSize"/> images.</param>
    /// <param name="batchSize">The number of images in the batch.</param>
    /// <returns>The scores, shape [N], and the class explained per image (null for a score function).</returns>
    internal abstract (torch.Tensor Scores, int[]? Classes) Select(torch.Tensor output, long batchSize);

    /// <summary>Checks that the output is an N×C matrix of class scores, as class targets need.</summary>
    private protected static long RequireLogits(torch.Tensor output, long batchSize, string what)
    {
        if (output.dim() != 2 || output.shape[0] != batchSize)
        {
            throw new CamTargetException(
                $"{what} needs the model output to be N×C class scores with N = {batchSize}, but the output has shape " +
                $"{Shapes.Format(output.shape)}. Explain another output with CamTarget.Score(output => ...), which returns one score per image.");
        }

        return output.shape[1];
    }
}
