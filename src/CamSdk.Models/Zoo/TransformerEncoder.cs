using System.Linq;
using CamSdk.Internal;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CamSdk.Models;

/// <summary>torchvision's ViT <c>Encoder</c>: position embedding added, encoder blocks <c>encoder_layer_0</c>…, final layer norm <c>ln</c>.</summary>
internal sealed class TransformerEncoder : nn.Module<Tensor, Tensor>
{
    private readonly Parameter pos_embedding;
    private readonly Dropout dropout;
    private readonly Sequential layers;
    private readonly LayerNorm ln;
    private readonly EncoderBlock[] _blocks;

    internal TransformerEncoder(long tokens, int blocks, long heads, long hidden, long mlpDim) : base("Encoder")
    {
        using (no_grad())
        {
            pos_embedding = new Parameter(empty(1, tokens, hidden).normal_(0, 0.02));
        }

        dropout = nn.Dropout(0.0);
        _blocks = [.. Enumerable.Range(0, blocks).Select(_ => new EncoderBlock(heads, hidden, mlpDim))];
        layers = nn.Sequential(_blocks.Select((b, i) => ($"encoder_layer_{i}", (nn.Module<Tensor, Tensor>)b)));
        ln = nn.LayerNorm(hidden, eps: 1e-6);
        RegisterComponents();
    }

    /// <summary>The last encoder block.</summary>
    internal EncoderBlock LastBlock => _blocks[^1];

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        return ln.call(layers.call(dropout.call(input.add(pos_embedding, Scalars.Of(1))))).MoveToOuterDisposeScope();
    }
}
