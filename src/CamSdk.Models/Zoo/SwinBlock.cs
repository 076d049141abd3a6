using CamSdk.Internal;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CamSdk.Models;

/// <summary>torchvision's <c>SwinTransformerBlock</c> on an N×H×W×C map: pre-norm shifted-window attention and MLP (GELU), each with row-wise stochastic depth, added to its input.</summary>
internal sealed class SwinBlock : nn.Module<Tensor, Tensor>
{
    private readonly LayerNorm norm1;
    private readonly ShiftedWindowAttention attn;
    private readonly LayerNorm norm2;
    private readonly Sequential mlp;
    private readonly double _dropProbability;

    internal SwinBlock(long dim, long heads, long window, long shift, double dropProbability) : base("SwinTransformerBlock")
    {
        norm1 = nn.LayerNorm(dim);
        attn = new ShiftedWindowAttention(dim, window, shift, heads);
        norm2 = nn.LayerNorm(dim);
        mlp = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(), nn.Dropout(0.0), nn.Linear(4 * dim, dim), nn.Dropout(0.0));
        _dropProbability = dropProbability;
        RegisterComponents();
        using var noGrad = no_grad();
        foreach (var index in new[] { 0, 3 })
        {
            var linear = (Linear)mlp[index];
            nn.init.xavier_uniform_(linear.weight);
            nn.init.normal_(linear.bias!, std: 1e-6);
        }
    }

    /// <summary>The block's first layer norm, <c>norm1</c>: what pytorch-grad-cam explains in a Swin (<c>blocks[-1].norm1</c>).</summary>
    internal LayerNorm FirstNorm => norm1;

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = input.add(ZooLayers.StochasticDepth(attn.call(norm1.call(input)), _dropProbability, training), Scalars.Of(1));
        return x.add(ZooLayers.StochasticDepth(mlp.call(norm2.call(x)), _dropProbability, training), Scalars.Of(1)).MoveToOuterDisposeScope();
    }
}
