using CamSdk.Internal;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CamSdk.Models;

/// <summary>
/// torchvision's ResNet bottleneck block (ResNet-50 and deeper, ResNeXt, Wide ResNet): 1×1, 3×3, 1×1 convolutions and a residual
/// connection. Its one ReLU module is applied three times, as in torchvision, so hooks reach every application.
/// </summary>
public sealed class Bottleneck : nn.Module<Tensor, Tensor>
{
    /// <summary>The block's channel expansion: its output has <c>4 × planes</c> channels.</summary>
    public const int Expansion = 4;

    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly Conv2d conv2;
    private readonly BatchNorm2d bn2;
    private readonly Conv2d conv3;
    private readonly BatchNorm2d bn3;
    private readonly ReLU relu;
    private readonly Sequential? downsample;

    /// <summary>Creates a block from <paramref name="inPlanes"/> to <c>4 × <paramref name="planes"/></c> channels.</summary>
    /// <param name="inPlanes">Input channels.</param>
    /// <param name="planes">The bottleneck's width.</param>
    /// <param name="stride">The 3×3 convolution's stride (torchvision's ResNet v1.5).</param>
    /// <param name="downsample">The projection of the residual, when the shape changes.</param>
    /// <param name="groups">The 3×3 convolution's groups (32 or 64 for ResNeXt).</param>
    /// <param name="baseWidth">The width per group at 64 planes (64; 4 or 8 for ResNeXt, 128 for Wide ResNet).</param>
    public Bottleneck(int inPlanes, int planes, int stride, Sequential? downsample, int groups = 1, int baseWidth = 64) : base(nameof(Bottleneck))
    {
        var width = (int)(planes * (baseWidth / 64.0)) * groups;
        conv1 = nn.Conv2d(inPlanes, width, 1, bias: false);
        bn1 = nn.BatchNorm2d(width);
        conv2 = nn.Conv2d(width, width, 3, stride: stride, padding: 1, groups: groups, bias: false);
        bn2 = nn.BatchNorm2d(width);
        conv3 = nn.Conv2d(width, planes * Expansion, 1, bias: false);
        bn3 = nn.BatchNorm2d(planes * Expansion);
        relu = nn.ReLU();
        this.downsample = downsample;
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        var x = relu.call(bn1.call(conv1.call(input)));
        x = relu.call(bn2.call(conv2.call(x)));
        x = bn3.call(conv3.call(x));
        var identity = downsample is null ? input : downsample.call(input);
        return relu.call(x.add_(identity, Scalars.Of(1)));
    }
}
