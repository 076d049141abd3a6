using System;
using System.Collections.Generic;
using System.Linq;
using CamSdk.Targets;
using TorchSharp;

namespace CamSdk.Internal;

/// <summary>
/// The one path by which a target scores an output, for the explained pass and for every re-scoring: the explainer's
/// class-score head and labels for targets that use class scores, the checks of what the target returns, and its
/// failures reported as a <see cref="CamTargetException"/>.
/// </summary>
internal static class Targeting
{
    /// <summary>What a target made of one output: the scores [N], the classes (or null), and the output it scored.</summary>
    internal readonly record struct Scored(torch.Tensor Scores, int[]? Classes, torch.Tensor Output);

    internal static Scored Score(CamTarget target, torch.Tensor output, long batchSize, ExplainerOptions options)
    {
        var scored = ClassScores(target, output, options);
        var scores = Invoke(target, scored, static (t, o) => t.ScoreOutput(o));
        if (scores is null || scores.IsInvalid)
        {
            throw new CamTargetException(
                $"The target ({Describe(target)}) returned {(scores is null ? "null" : "a disposed tensor")}. Return a live tensor of shape [{batchSize}]: one score per image, and do not dispose it.");
        }

        if (scores.dim() != 1 || scores.shape[0] != batchSize)
        {
            throw new CamTargetException(
                $"The target ({Describe(target)}) returned a tensor of shape {Shapes.Format(scores.shape)}, but it must return shape [{batchSize}]: " +
                "one score per image of the batch (do not sum or average over the batch).");
        }

        if (!scores.is_floating_point())
        {
            throw new CamTargetException(
                $"The target ({Describe(target)}) returned a tensor of type {scores.dtype}; a score must be floating point to be differentiated.");
        }

        var classes = Invoke(target, scored, static (t, o) => t.ClassesOf(o)) is { } list ? list.ToArray() : null;
        if (classes is not null && classes.Length != batchSize)
        {
            throw new CamTargetException($"The target ({Describe(target)}) named {classes.Length} classes for a batch of {batchSize} images: name one per image, or none.");
        }

        if (classes is not null && target.UsesClassScores && options.ClassLabels is { } labels && classes.Any(c => c < 0 || c >= labels.Count))
        {
            throw new CamTargetException($"The target ({Describe(target)}) named a class outside the {labels.Count} classes that have labels.");
        }

        return new Scored(scores, classes, scored);
    }

    /// <summary>The output a target receives: the class scores (through the explainer's head) for class targets, the model's output otherwise.</summary>
    internal static torch.Tensor ClassScores(CamTarget target, torch.Tensor output, ExplainerOptions options)
    {
        if (!target.UsesClassScores)
        {
            return output;
        }

        var classScores = output;
        if (options.ClassScores is { } head)
        {
            try
            {
                classScores = head(output) ?? throw new CamTargetException("The class-score head returned null. Return the N×C class scores.");
            }
            catch (Exception e) when (Failures.IsWrapped(e))
            {
                throw new CamTargetException(
                    $"The class-score head (ExplainerOptions.ClassScores) threw {Failures.Describe(e)} " +
                    $"It receives the model's output, of shape {Shapes.Format(output.shape)}, and must return the N×C class scores.",
                    e);
            }
        }

        if (options.ClassLabels is { } labels && classScores.dim() == 2 && classScores.shape[1] != labels.Count)
        {
            throw new CamTargetException(
                $"The model returns {classScores.shape[1]} class scores but {labels.Count} class labels were given. Give exactly one label per class.");
        }

        return classScores;
    }

    /// <summary>
    /// Refuses a target that mixes images: if image n's score depends on image m's output (a sum or mean over the batch, a
    /// softmax across it…), the gradient of the scores' sum, which CamSdk takes for the whole batch at once, gives every
    /// image the batch's gradient. Checked exactly on the model's output: one small backward pass per image through the
    /// target alone, never through the model. Targets that promise to read their own row only are not checked.
    /// </summary>
    internal static void RequirePerImage(CamTarget target, torch.Tensor output, long batchSize, ExplainerOptions options)
    {
        if (target.ReadsOwnRowOnly || batchSize < 2 || output.dim() == 0 || output.shape[0] != batchSize || !output.is_floating_point())
        {
            return;
        }

        using var scope = torch.NewDisposeScope();
        using var gradients = torch.enable_grad();
        var probe = output.detach().requires_grad_(true);
        // Not the leaf itself: the target may work in place, as on the real output.
        var scores = Invoke(target, ClassScores(target, probe.clone(), options), static (t, o) => t.ScoreOutput(o));
        if (scores is null || scores.IsInvalid || !scores.requires_grad || scores.dim() != 1 || scores.shape[0] != batchSize || !scores.is_floating_point())
        {
            return; // Score and the gradient checks report these
        }

        // Row n: how much image n's score depends on each image's output, its own entry zeroed; read once for the batch.
        var rows = new List<torch.Tensor>();
        for (var n = 0; n < batchSize; n++)
        {
            var grad = torch.autograd.grad([scores[n]], [probe], retain_graph: n < batchSize - 1, allow_unused: true);
            if (grad.Count != 1 || grad[0] is not { IsInvalid: false } g)
            {
                rows.Add(torch.zeros(batchSize, dtype: torch.float32, device: output.device));
                continue;
            }

            var others = g.abs().reshape(batchSize, -1).sum(1).to_type(torch.float32);
            others[n].zero_();
            rows.Add(others);
        }

        var dependence = torch.stack(rows);
        if (dependence.amax().item<float>() > 0)
        {
            var host = dependence.cpu().data<float>().ToArray();
            var first = Array.FindIndex(host, v => v > 0);
            var (n, mixed) = (first / batchSize, first % batchSize);
            throw new CamTargetException(
                $"The target ({Describe(target)}) mixes images: the score of image {n} depends on the output for image {mixed}. " +
                "Each image's score must be computed from its own row of the output only (e.g. output.select(1, k)); " +
                "a sum or mean over the batch, or a softmax or normalisation across it, would give every image the batch's gradient.");
        }
    }

    private static string Describe(CamTarget target) => target.ToString() ?? target.GetType().Name;

    /// <summary>Runs a target's own code; what it throws (but a CamSdk exception) is the target's failure, with the exception inside.</summary>
    private static T? Invoke<T>(CamTarget target, torch.Tensor output, Func<CamTarget, torch.Tensor, T> call)
    {
        try
        {
            return call(target, output);
        }
        catch (Exception e) when (Failures.IsWrapped(e))
        {
            throw new CamTargetException(
                $"The target ({Describe(target)}) threw {Failures.Describe(e)} It receives the model's output, of shape " +
                $"{Shapes.Format(output.shape)}, and must return one score per image.",
                e);
        }
    }
}
