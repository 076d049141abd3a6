using CamSdk.Internal;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CamSdk.Models;

/// <summary>
/// torchvision's <c>CNBlock</c>: 7×7 depthwise convolution, layer norm and an MLP with GELU in channels-last (<c>block</c>),
/// scaled per channel by <c>layer_scale</c>, with row-wise stochastic depth in training, added to the input.
/// </summary>
internal sealed class ConvNeXtBlock : nn.Module<Tensor, Tensor>
{
    private readonly Sequential block;
    private readonly Parameter layer_scale;
    private readonly double _dropProbability;

    internal ConvNeXtBlock(long dim, double layerScale, double dropProbability) : base("CNBlock")
    {
        block = nn.Sequential(
            nn.Conv2d(dim, dim, 7, padding: 3, groups: dim),
            new Permute(0, 2, 3, 1),
            nn.LayerNorm(dim, eps: 1e-6),
            nn.Linear(dim, 4 * dim),
            nn.GELU(),
            nn.Linear(4 * dim, dim),
            new Permute(0, 3, 1, 2));
        using (no_grad())
        {
            layer_scale = new Parameter(full([dim, 1, 1], Scalars.Of(layerScale)));
        }

        _dropProbability = dropProbability;
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var result = layer_scale.mul(block.call(input));
        return ZooLayers.StochasticDepth(result, _dropProbability, training).add(input, Scalars.Of(1)).MoveToOuterDisposeScope();
    }
}
