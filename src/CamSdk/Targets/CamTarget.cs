using System;
using System.Collections.Generic;
using CamSdk.Internal;
using TorchSharp;

namespace CamSdk.Targets;

/// <summary>
/// What to explain: the differentiable scalar per image that a map answers for. The built-in targets select a class's
/// score; any other is a few lines: derive from this class and say how each image's score comes from the model's output.
/// </summary>
/// <remarks>
/// <para>
/// The paper computes the gradient of the score y^c for class c before the softmax; <see cref="Class"/>,
/// <see cref="Classes"/> and <see cref="PredictedClass"/> select such scores. <see cref="Score"/> explains any other
/// differentiable output (one head of a multi-output model, a captioning log-likelihood, a VQA answer score…), and so do
/// targets of your own, such as <see cref="SimilarityToConceptTarget"/> and <see cref="FinerWeightedTarget"/>.
/// </para>
/// <para>
/// One target serves a whole call through one path: the gradient methods differentiate its scores, and Score-CAM and
/// Ablation-CAM re-score their masked or ablated copies of image n with <see cref="ForImage"/>(n). Image n's score must be
/// computed from row n of the output only (CamSdk differentiates the batch's sum once): for a batch of several images this
/// is checked exactly, with one small backward pass per image through the target alone, unless the target declares
/// <see cref="ReadsOwnRowOnly"/>. What a target throws is reported as a <see cref="CamTargetException"/> with it inside.
/// </para>
/// </remarks>
public abstract class CamTarget
{
    /// <summary>For targets of your own.</summary>
    protected CamTarget()
    {
    }

    /// <summary>The class with the highest score for each image (argmax over the class scores). The default target.</summary>
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

    /// <summary>Any differentiable scalar per image, computed from the model's output by a function.</summary>
    /// <remarks><b>Image n's score must depend on image n's row of the output only</b> (see the class's remarks); it is checked.</remarks>
    /// <param name="scoreFunction">
    /// Maps the model's output to a tensor of shape [N]: one score per image, with a gradient path back to the explained
    /// layer. It must not sum over the batch: image n's score may depend only on image n.
    /// </param>
    /// <param name="description">A short name for the target, used in messages and results.</param>
    /// <returns>A target that explains <paramref name="scoreFunction"/>'s scores.</returns>
    public static CamTarget Score(Func<torch.Tensor, torch.Tensor> scoreFunction, string? description = null)
    {
        ArgumentNullException.ThrowIfNull(scoreFunction);
        return new ScoreTarget(scoreFunction, description ?? "score function");
    }

    /// <summary>
    /// Whether the target reads class scores: it then receives the explainer's class scores (the model's output, through
    /// <see cref="ExplainerOptions.ClassScores"/> when one is set), and results name its classes with the explainer's labels.
    /// False by default: the target receives the model's output as it is.
    /// </summary>
    public virtual bool UsesClassScores => false;

    /// <summary>
    /// Whether the target promises that image n's score reads row n of the output only, so that CamSdk need not check it
    /// (the built-in class targets do). False by default: the check costs one small backward pass per image.
    /// </summary>
    public virtual bool ReadsOwnRowOnly => false;

    /// <summary>Each image's score: row n of <paramref name="output"/> is image n's output.</summary>
    /// <param name="output">The model's output for the batch (its class scores when <see cref="UsesClassScores"/>).</param>
    /// <returns>Shape [N], floating point, differentiable with respect to <paramref name="output"/>.</returns>
    public abstract torch.Tensor ScoreOutput(torch.Tensor output);

    /// <summary>The class whose score each image's score is, or null for a target that is no single class (the default).</summary>
    /// <param name="output">The same output <see cref="ScoreOutput"/> received.</param>
    /// <returns>One class index per image, or null.</returns>
    public virtual IReadOnlyList<int>? ClassesOf(torch.Tensor output) => null;

    /// <summary>
    /// The target of image <paramref name="image"/>'s perturbed copies (Score-CAM's masked inputs, Ablation-CAM's
    /// ablations), whose rows all stand for that image: a per-image target narrows to that image's part. This target by
    /// default, for targets that score every row alike.
    /// </summary>
    /// <param name="image">The image's position in the explained batch.</param>
    /// <returns>The target for that image's rows.</returns>
    public virtual CamTarget ForImage(int image) => this;

    /// <summary>The target with what the explained pass decided fixed (the predicted class of each image); itself for others.</summary>
    internal virtual CamTarget Fixed(int[]? classes) => this;

    /// <summary>Checks that the output is an N×C matrix of class scores, as class targets need, and returns C.</summary>
    private protected static long RequireLogits(torch.Tensor output, string what)
    {
        if (output.dim() != 2)
        {
            throw new CamTargetException(
                $"{what} needs the model output to be N×C class scores, but the output has shape " +
                $"{Shapes.Format(output.shape)}. Explain another output with CamTarget.Score(output => ...), which returns one score per image.");
        }

        return output.shape[1];
    }
}
