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
        var scores = _scoreFunction(output)
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

    public override string ToString() => _description;
}
