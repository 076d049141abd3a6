using CamSdk.Internal;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CamSdk.Models;

/// <summary>
/// A block whose body is one <c>Sequential</c> named as torchvision names it (<c>conv</c> in MobileNet v2, <c>block</c> in
/// MobileNet v3 and EfficientNet, <c>layers</c> in MNASNet), with the input added back when the block keeps its shape.
/// </summary>
internal sealed class InvertedResidual : nn.Module<Tensor, Tensor>
{
    private readonly Sequential _body;
    private readonly bool _residual;

    internal InvertedResidual(string bodyName, Sequential body, bool residual) : base("InvertedResidual")
    {
        _body = body;
        _residual = residual;
        register_module(bodyName, body);
    }

    public override Tensor forward(Tensor input)
    {
        if (!_residual)
        {
            return _body.call(input);
        }

        using var scope = NewDisposeScope();
        return _body.call(input).add(input, Scalars.Of(1)).MoveToOuterDisposeScope();
    }
}
