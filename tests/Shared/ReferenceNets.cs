using CamSdk.Internal;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CamSdk.Tests.Support;

/// <summary>
/// TestData/pytorch-grad-cam/make_reference.py's TinyCnn: conv → BN → ReLU → max-pool → conv → ReLU
/// (features.0 … features.5) → global average pooling → linear, with the same state-dict keys.
/// </summary>
public sealed class ReferenceCnn : nn.Module<Tensor, Tensor>
{
    public readonly Sequential features;
    public readonly Linear fc;

    public ReferenceCnn() : base(nameof(ReferenceCnn))
    {
        features = nn.Sequential(
            nn.Conv2d(3, 6, 3, padding: 1), nn.BatchNorm2d(6), nn.ReLU(),
            nn.MaxPool2d(2), nn.Conv2d(6, 8, 3, padding: 1), nn.ReLU());
        fc = nn.Linear(8, 4);
        RegisterComponents();
    }

    public nn.Module<Tensor, Tensor> Feature(int index) => (nn.Module<Tensor, Tensor>)features[index];

    public override Tensor forward(Tensor input) => fc.call(features.call(input).mean([2L, 3L]));
}

/// <summary>make_reference.py's TinyVit: 4×4 patches of a 16×16 image, a class token, two token-mixing blocks, a head on the class token.</summary>
public sealed class ReferenceVit : nn.Module<Tensor, Tensor>
{
    public readonly Conv2d patch;
    public readonly Parameter cls;
    public readonly Parameter pos;
    public readonly ReferenceBlock block1;
    public readonly ReferenceBlock block2;
    public readonly LayerNorm norm;
    public readonly Linear head;

    public ReferenceVit() : base(nameof(ReferenceVit))
    {
        patch = nn.Conv2d(3, 8, 4, stride: 4);
        cls = new Parameter(zeros(1, 1, 8));
        pos = new Parameter(zeros(1, 17, 8));
        block1 = new ReferenceBlock(17, 8);
        block2 = new ReferenceBlock(17, 8);
        norm = nn.LayerNorm(8);
        head = nn.Linear(8, 4);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        var tokens = patch.call(input).flatten(2).transpose(1, 2);
        tokens = cat([cls.expand(tokens.shape[0], -1, -1), tokens], 1).Plus(pos);
        return head.call(norm.call(block2.call(block1.call(tokens)))[.., 0]);
    }
}

/// <summary>A linear layer mixing the tokens, then LayerNorm and a GELU MLP, each with a residual; its output is N×T×D tokens.</summary>
public sealed class ReferenceBlock : nn.Module<Tensor, Tensor>
{
    public readonly LayerNorm norm;
    public readonly Linear mix;
    public readonly Linear mlp;

    public ReferenceBlock(int tokens, int dimension) : base(nameof(ReferenceBlock))
    {
        norm = nn.LayerNorm(dimension);
        mix = nn.Linear(tokens, tokens);
        mlp = nn.Linear(dimension, dimension);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        var mixed = input.Plus(mix.call(input.transpose(1, 2)).transpose(1, 2));
        return mixed.Plus(nn.functional.gelu(mlp.call(norm.call(mixed))));
    }
}
