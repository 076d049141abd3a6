using System;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CamSdk.Models;

/// <summary>torchvision's <c>SqueezeExcitation</c>: channels rescaled by a gate computed from their spatial means (<c>fc1</c>, <c>fc2</c> as 1×1 convolutions).</summary>
internal sealed class SqueezeExcitation : nn.Module<Tensor, Tensor>
{
    private readonly AdaptiveAvgPool2d avgpool;
    private readonly Conv2d fc1;
    private readonly Conv2d fc2;
    private readonly nn.Module<Tensor, Tensor> activation;
    private readonly nn.Module<Tensor, Tensor> scale_activation;

    internal SqueezeExcitation(long channels, long squeezeChannels, Func<nn.Module<Tensor, Tensor>> activation, Func<nn.Module<Tensor, Tensor>> scaleActivation)
        : base("SqueezeExcitation")
    {
        avgpool = nn.AdaptiveAvgPool2d(1);
        fc1 = nn.Conv2d(channels, squeezeChannels, 1);
        fc2 = nn.Conv2d(squeezeChannels, channels, 1);
        this.activation = activation();
        scale_activation = scaleActivation();
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var scale = scale_activation.call(fc2.call(activation.call(fc1.call(avgpool.call(input)))));
        return scale.mul(input).MoveToOuterDisposeScope();
    }
}
