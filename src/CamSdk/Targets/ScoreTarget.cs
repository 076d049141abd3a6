using CamSdk.Internal;
using System;
using TorchSharp;

namespace CamSdk.Targets;

/// <summary>Explains a user-defined differentiable score per image.</summary>
internal sealed class ScoreTarget : CamTarget
{
    private readonly Func<torch.Tensor, torch.Tensor> _scoreFunction;
    private readonly string _description;

    internal ScoreTarget(Func<torch.Tensor, torch.Tensor> scoreFunction, string description)
    {
        _scoreFunction = scoreFunction;
        _description = description;
    }

    internal override bool SelectsClasses => false;

    internal override (torch.Tensor Scores, int[]? Classes) Select(torch.Tensor output, long batchSize)
    {
        var scores = Invoke(output)
            ?? throw new CamTargetException($"The {_description} returned null. Return a tensor of shape [{batchSize}]: one score per image.");
        if (scores.IsInvalid)
        {
            throw new CamTargetException($"The {_description} returned a disposed tensor. Return a live tensor of shape [{batchSize}], and do not dispose it.");
        }

        if (scores.dim() != 1 || scores.shape[0] != batchSize)
        {
            throw new CamTargetException(
                $"The {_description} returned a tensor of shape {Shapes.Format(scores.shape)}, but it must return shape [{batchSize}]: " +
                "one score per image of the batch (do not sum or average over the batch).");
        }

        if (!scores.is_floating_point())
        {
            throw new CamTargetException(
                $"The {_description} returned a tensor of type {scores.dtype}; a score must be floating point to be differentiated.");
        }

        return (scores, null);
    }

    /// <summary>
    /// Refuses a score function that mixes images: if image n's score depends on image m's output (a sum or mean over
    /// the batch, a softmax across it…), the gradient of the scores' sum, which CamSdk takes for the whole batch at
    /// once, gives every image the batch's gradient. Checked exactly on the model's output: one small backward pass per
    /// image through the score function alone, never through the model.
    /// </summary>
    internal void RequirePerImage(torch.Tensor output, long batchSize)
    {
        if (batchSize < 2 || output.dim() == 0 || output.shape[0] != batchSize || !output.is_floating_point())
        {
            return;
        }

        using var scope = torch.NewDisposeScope();
        using var gradients = torch.enable_grad();
        var probe = output.detach().requires_grad_(true);
        var scores = Invoke(probe.clone()); // not the leaf itself: the function may work in place, as on the real output
        if (scores is null || scores.IsInvalid || !scores.requires_grad || scores.dim() != 1 || scores.shape[0] != batchSize || !scores.is_floating_point())
        {
            return; // Select and the gradient checks report these
        }

        for (var n = 0; n < batchSize; n++)
        {
            var grad = torch.autograd.grad([scores[n]], [probe], retain_graph: n < batchSize - 1, allow_unused: true);
            if (grad.Count != 1 || grad[0] is not { IsInvalid: false } g)
            {
                continue;
            }

            var others = g.abs().reshape(batchSize, -1).sum(1);
            others[n] = 0;
            var mixed = others.argmax().item<long>();
            if (others[mixed].item<float>() > 0)
            {
                throw new CamTargetException(
                    $"The {_description} mixes images: the score of image {n} depends on the output for image {mixed}. " +
                    "Each image's score must be computed from its own row of the output only (e.g. output.select(1, k)); " +
                    "a sum or mean over the batch, or a softmax or normalisation across it, would give every image the batch's gradient.");
            }
        }
    }

    public override string ToString() => _description;

    /// <summary>Runs the user's function; what it throws is reported as the target's failure, with the exception inside.</summary>
    private torch.Tensor? Invoke(torch.Tensor output)
    {
        try
        {
            return _scoreFunction(output);
        }
        catch (Exception e) when (Failures.IsWrapped(e))
        {
            throw new CamTargetException(
                $"The {_description} threw {Failures.Describe(e)} It receives the model's output, of shape " +
                $"{Shapes.Format(output.shape)}, and must return one score per image.",
                e);
        }
    }
}
