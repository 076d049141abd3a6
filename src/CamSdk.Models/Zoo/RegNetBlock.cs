using CamSdk.Internal;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CamSdk.Models;

/// <summary>torchvision's RegNet <c>ResBottleneckBlock</c>: projection <c>proj</c> (when the shape changes) plus the bottleneck <c>f</c>, then its ReLU module.</summary>
internal sealed class RegNetBlock : nn.Module<Tensor, Tensor>
{
    private readonly Sequential? proj;
    private readonly Sequential f;
    private readonly ReLU activation;

    internal RegNetBlock(int widthIn, int widthOut, int stride, int groupWidth, double seRatio) : base("ResBottleneckBlock")
    {
        if (widthIn != widthOut || stride != 1)
        {
            proj = ZooLayers.ConvNormActivation(widthIn, widthOut, 1, stride);
        }

        // BottleneckTransform with bottleneck multiplier 1: a (1×1), b (3×3 grouped), se, c (1×1, no activation).
        var groups = widthOut / groupWidth;
        f = nn.Sequential(("a", ZooLayers.ConvNormActivation(widthIn, widthOut, 1, activation: Relu)));
        f.append("b", ZooLayers.ConvNormActivation(widthOut, widthOut, 3, stride, groups, Relu));
        if (seRatio > 0)
        {
            f.append("se", new SqueezeExcitation(widthOut, (long)System.Math.Round(seRatio * widthIn, System.MidpointRounding.ToEven), Relu, () => nn.Sigmoid()));
        }

        f.append("c", ZooLayers.ConvNormActivation(widthOut, widthOut, 1));
        activation = nn.ReLU();
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var shortcut = proj is null ? input : proj.call(input);
        return activation.call(f.call(input).add(shortcut, Scalars.Of(1))).MoveToOuterDisposeScope();
    }

    private static nn.Module<Tensor, Tensor> Relu() => nn.ReLU();
}
