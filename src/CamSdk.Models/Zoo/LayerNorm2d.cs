using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CamSdk.Models;

/// <summary>torchvision's <c>LayerNorm2d</c>: a layer norm over the channels of an N×C×H×W tensor (permuted to channels last and back).</summary>
internal sealed class LayerNorm2d : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight;
    private readonly Parameter bias;
    private readonly long[] _shape;
    private readonly double _eps;

    internal LayerNorm2d(long channels, double eps = 1e-6) : base("LayerNorm2d")
    {
        _shape = [channels];
        _eps = eps;
        weight = new Parameter(ones(channels));
        bias = new Parameter(zeros(channels));
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = nn.functional.layer_norm(input.permute(0, 2, 3, 1), _shape, weight, bias, _eps);
        return x.permute(0, 3, 1, 2).MoveToOuterDisposeScope();
    }
}
