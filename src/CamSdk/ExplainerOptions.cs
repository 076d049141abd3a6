using System;
using System.Collections.Generic;
using CamSdk.Methods;
using TorchSharp;

namespace CamSdk;

/// <summary>Settings of <see cref="CamExplainer"/> and <see cref="Guided.GuidedBackpropagation"/>.</summary>
public sealed class ExplainerOptions
{
    /// <summary>How the layer's channels are weighted; <see cref="CamMethod.GradCam"/> by default. Guided Backpropagation ignores it.</summary>
    public CamMethod Method { get; init; } = CamMethod.GradCam;

    /// <summary>
    /// The name of each class, indexed by class; results then name the explained classes. Its length must equal
    /// the number of class scores the model returns.
    /// </summary>
    public IReadOnlyList<string>? ClassLabels { get; init; }

    /// <summary>
    /// Maps the model's output to its N×C class scores, for models whose output is not just the logits
    /// (e.g. one head of a multi-output model). Class targets select from its result; score targets
    /// (<see cref="Targets.CamTarget.Score"/>) still receive the model's whole output.
    /// </summary>
    public Func<torch.Tensor, torch.Tensor>? ClassScores { get; init; }
}
