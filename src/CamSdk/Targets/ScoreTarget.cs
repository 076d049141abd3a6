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

    public override torch.Tensor ScoreOutput(torch.Tensor output) => _scoreFunction(output);

    public override string ToString() => _description;
}
