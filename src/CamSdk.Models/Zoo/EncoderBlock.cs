using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CamSdk.Models;

/// <summary>torchvision's ViT <c>EncoderBlock</c>: pre-norm self-attention and MLP (GELU), each added to its input.</summary>
internal sealed class EncoderBlock : nn.Module<Tensor, Tensor>
{
    private readonly LayerNorm ln_1;
    private readonly SelfAttention self_attention;
    private readonly Dropout dropout;
    private readonly LayerNorm ln_2;
    private readonly Sequential mlp;

    internal EncoderBlock(long heads, long hidden, long mlpDim) : base("EncoderBlock")
    {
        ln_1 = nn.LayerNorm(hidden, eps: 1e-6);
        self_attention = new SelfAttention(hidden, heads);
        dropout = nn.Dropout(0.0);
        ln_2 = nn.LayerNorm(hidden, eps: 1e-6);
        mlp = nn.Sequential(nn.Linear(hidden, mlpDim), nn.GELU(), nn.Dropout(0.0), nn.Linear(mlpDim, hidden), nn.Dropout(0.0));
        RegisterComponents();
        using var noGrad = no_grad();
        foreach (var index in new[] { 0, 3 })
        {
            var linear = (Linear)mlp[index];
            nn.init.xavier_uniform_(linear.weight);
            nn.init.normal_(linear.bias!, std: 1e-6);
        }
    }

    /// <summary>The block's first layer norm, <c>ln_1</c>: what pytorch-grad-cam explains in a ViT (<c>blocks[-1].norm1</c>).</summary>
    internal LayerNorm FirstNorm => ln_1;

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = dropout.call(self_attention.call(ln_1.call(input))).add(input, CamSdk.Internal.Scalars.Of(1));
        return mlp.call(ln_2.call(x)).add(x, CamSdk.Internal.Scalars.Of(1)).MoveToOuterDisposeScope();
    }
}
