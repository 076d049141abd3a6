using System;
using System.Collections.Generic;
using System.Linq;
using CamSdk.Targets;
using TorchSharp;

namespace CamSdk.Internal;

/// <summary>Applies the explainer's class-score head and labels around a target's selection.</summary>
internal static class Targeting
{
    internal static (torch.Tensor Scores, int[]? Classes) Select(CamTarget target, torch.Tensor output, long batchSize, ExplainerOptions options)
    {
        if (!target.SelectsClasses)
        {
            return target.Select(output, batchSize);
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

        return target.Select(classScores, batchSize);
    }

    internal static IReadOnlyList<string>? Labels(int[]? classes, ExplainerOptions options) =>
        classes is null || options.ClassLabels is not { } labels ? null : [.. classes.Select(c => labels[c])];
}
