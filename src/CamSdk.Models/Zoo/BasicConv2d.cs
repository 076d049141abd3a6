using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CamSdk.Models;

/// <summary>
/// GoogLeNet's and Inception v3's <c>BasicConv2d</c>: convolution without bias, batch norm (eps 0.001) and a ReLU,
/// which torchvision applies functionally and which is a module here, so Guided Backpropagation guides it.
/// </summary>
internal sealed class BasicConv2d : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d conv;
    private readonly BatchNorm2d bn;
    private readonly ReLU relu;

    internal BasicConv2d(long input, long output, (long, long) kernel, (long, long)? stride = null, (long, long)? padding = null) : base("BasicConv2d")
    {
        conv = nn.Conv2d(input, output, kernel, stride: stride, padding: padding, bias: false);
        bn = nn.BatchNorm2d(output, eps: 0.001);
        relu = nn.ReLU();
        RegisterComponents();
    }

    internal BasicConv2d(long input, long output, long kernel, long stride = 1, long padding = 0)
        : this(input, output, (kernel, kernel), (stride, stride), (padding, padding))
    {
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        return relu.call(bn.call(conv.call(input))).MoveToOuterDisposeScope();
    }
}
