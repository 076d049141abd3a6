using System;
using System.Collections.Generic;
using System.Linq;
using CamSdk.Internal;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CamSdk.Models;

/// <summary>The building blocks torchvision's builders share, with its module names, and its initialisations.</summary>
internal static class ZooLayers
{
    /// <summary>
    /// torchvision's <c>Conv2dNormActivation</c>: a convolution (padding (k - 1) / 2, no bias), a batch norm and an
    /// activation, named <c>0</c>, <c>1</c>, <c>2</c>; without an activation, only the first two.
    /// </summary>
    internal static Sequential ConvNormActivation(
        long inChannels,
        long outChannels,
        long kernelSize,
        long stride = 1,
        long groups = 1,
        Func<nn.Module<Tensor, Tensor>>? activation = null,
        double eps = 1e-5,
        double momentum = 0.1)
    {
        var modules = new List<nn.Module<Tensor, Tensor>>
        {
            nn.Conv2d(inChannels, outChannels, kernelSize, stride: stride, padding: (kernelSize - 1) / 2, groups: groups, bias: false),
            nn.BatchNorm2d(outChannels, eps: eps, momentum: momentum),
        };
        if (activation is not null)
        {
            modules.Add(activation());
        }

        return nn.Sequential(modules);
    }

    /// <summary>torchvision's <c>_make_divisible</c>: <paramref name="value"/> rounded to a multiple of <paramref name="divisor"/>, never below 90 % of it.</summary>
    internal static int MakeDivisible(double value, int divisor = 8)
    {
        var rounded = Math.Max(divisor, (int)(value + divisor / 2.0) / divisor * divisor);
        return rounded < 0.9 * value ? rounded + divisor : rounded;
    }

    /// <summary>
    /// The initialisation most torchvision builders share: Kaiming-normal (fan-out) convolutions with zero biases, batch
    /// and group norms at 1 and 0, linear layers N(0, <paramref name="linearStd"/>) with zero biases.
    /// </summary>
    internal static void Initialise(nn.Module model, double linearStd = 0.01)
    {
        using var noGrad = no_grad();
        foreach (var (_, module) in model.named_modules())
        {
            switch (module)
            {
                case Conv2d conv:
                    nn.init.kaiming_normal_(conv.weight, mode: nn.init.FanInOut.FanOut, nonlinearity: nn.init.NonlinearityType.ReLU);
                    ZeroBias(conv.bias);
                    break;
                case BatchNorm2d bn:
                    nn.init.constant_(bn.weight, Scalars.Of(1));
                    nn.init.constant_(bn.bias, Scalars.Of(0));
                    break;
                case GroupNorm gn:
                    nn.init.constant_(gn.weight, Scalars.Of(1));
                    nn.init.constant_(gn.bias, Scalars.Of(0));
                    break;
                case Linear linear:
                    nn.init.normal_(linear.weight, 0, linearStd);
                    ZeroBias(linear.bias);
                    break;
            }
        }
    }

    /// <summary>
    /// GoogLeNet's and Inception v3's initialisation: convolution and linear weights from a truncated normal whose
    /// standard deviation <paramref name="std"/> gives by module path, batch norms at 1 and 0.
    /// </summary>
    internal static void InitialiseTruncated(nn.Module model, Func<string, double> std)
    {
        using var noGrad = no_grad();
        foreach (var (name, module) in model.named_modules())
        {
            switch (module)
            {
                case Conv2d conv:
                    TruncatedNormal(conv.weight, std(name));
                    break;
                case Linear linear:
                    TruncatedNormal(linear.weight, std(name));
                    break;
                case BatchNorm2d bn:
                    nn.init.ones_(bn.weight);
                    nn.init.zeros_(bn.bias);
                    break;
            }
        }
    }

    /// <summary>
    /// PyTorch's <c>nn.init.trunc_normal_</c>: N(<paramref name="mean"/>, <paramref name="std"/>²) truncated to
    /// [<paramref name="a"/>, <paramref name="b"/>], by inverting the normal CDF of uniform samples, as PyTorch does.
    /// TorchSharp 0.107's <c>trunc_normal_</c> fills the tensor with a constant, so the zoo does not use it.
    /// </summary>
    internal static void TruncatedNormal(Tensor tensor, double std, double mean = 0, double a = -2, double b = 2)
    {
        using var noGrad = no_grad();
        using var bounds = torch.tensor(new[] { (a - mean) / std / Math.Sqrt(2), (b - mean) / std / Math.Sqrt(2) }, ScalarType.Float64);
        using var cdf = bounds.erf();
        var (low, high) = (cdf[0].item<double>(), cdf[1].item<double>());
        tensor.uniform_(low, high).erfinv_().mul_(Scalars.Of(std * Math.Sqrt(2))).add_(Scalars.Of(mean), Scalars.Of(1)).clamp_(Scalars.Of(a), Scalars.Of(b));
    }

    /// <summary>
    /// torchvision's row-wise stochastic depth: in training, each image's residual branch is zeroed with probability
    /// <paramref name="dropProbability"/> and the kept ones scaled by 1 / (1 - p); otherwise the branch as it is.
    /// </summary>
    internal static Tensor StochasticDepth(Tensor branch, double dropProbability, bool training)
    {
        if (!training || dropProbability <= 0)
        {
            return branch;
        }

        var keep = 1 - dropProbability;
        using var noise = empty([branch.shape[0], .. Enumerable.Repeat(1L, (int)branch.dim() - 1)], branch.dtype, branch.device).bernoulli_(keep);
        noise.div_(Scalars.Of(keep));
        return branch.mul(noise);
    }

    /// <summary>
    /// GoogLeNet's and Inception v3's <c>transform_input</c>: ImageNet-normalised channels, x·σ/0.5 + (μ - 0.5)/0.5 per
    /// channel, computed as torchvision computes it.
    /// </summary>
    internal static Tensor TransformInput(Tensor input)
    {
        using var scope = NewDisposeScope();
        (double Std, double Mean)[] channels = [(0.229, 0.485), (0.224, 0.456), (0.225, 0.406)];
        var parts = channels.Select((c, i) => input[.., i].unsqueeze(1).mul(Scalars.Of(c.Std / 0.5)).add(Scalars.Of((c.Mean - 0.5) / 0.5), Scalars.Of(1))).ToArray();
        return cat(parts, 1).MoveToOuterDisposeScope();
    }

    private static void ZeroBias(Tensor? bias)
    {
        if (bias is not null)
        {
            nn.init.constant_(bias, Scalars.Of(0));
        }
    }
}
