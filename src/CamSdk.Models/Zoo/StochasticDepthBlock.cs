using CamSdk.Internal;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CamSdk.Models;

/// <summary>
/// A residual block with torchvision's row-wise stochastic depth (EfficientNet's MBConv and FusedMBConv, ConvNeXt's
/// CNBlock): its body is a <c>Sequential</c> named <c>block</c>; in training, each image's residual branch is dropped
/// with probability <c>p</c> and the kept ones scaled by 1 / (1 - p); in evaluation, the body's output plus the input.
/// </summary>
internal sealed class StochasticDepthBlock : nn.Module<Tensor, Tensor>
{
    private readonly Sequential _block;
    private readonly nn.Module<Tensor, Tensor>? _scale;
    private readonly bool _residual;
    private readonly double _dropProbability;

    /// <param name="block">The body.</param>
    /// <param name="residual">Whether the input is added back (the shape is kept).</param>
    /// <param name="dropProbability">The stochastic depth probability of this block.</param>
    /// <param name="scale">Applied to the body's output before the drop (ConvNeXt's layer scale), or null.</param>
    internal StochasticDepthBlock(Sequential block, bool residual, double dropProbability, nn.Module<Tensor, Tensor>? scale = null) : base("StochasticDepthBlock")
    {
        _block = block;
        _scale = scale;
        _residual = residual;
        _dropProbability = dropProbability;
        register_module("block", block);
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var result = _block.call(input);
        if (_scale is not null)
        {
            result = _scale.call(result);
        }

        if (!_residual)
        {
            return result.MoveToOuterDisposeScope();
        }

        return ZooLayers.StochasticDepth(result, _dropProbability, training).add(input, Scalars.Of(1)).MoveToOuterDisposeScope();
    }
}
