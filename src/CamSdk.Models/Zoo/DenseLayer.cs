using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CamSdk.Models;

/// <summary>torchvision's <c>_DenseLayer</c>: batch norm, ReLU, 1×1 convolution, batch norm, ReLU, 3×3 convolution to <c>growth_rate</c> new channels.</summary>
internal sealed class DenseLayer : nn.Module<Tensor, Tensor>
{
    private readonly BatchNorm2d norm1;
    private readonly ReLU relu1;
    private readonly Conv2d conv1;
    private readonly BatchNorm2d norm2;
    private readonly ReLU relu2;
    private readonly Conv2d conv2;

    internal DenseLayer(long inputFeatures, long growthRate, long bottleneckSize) : base("DenseLayer")
    {
        norm1 = nn.BatchNorm2d(inputFeatures);
        relu1 = nn.ReLU();
        conv1 = nn.Conv2d(inputFeatures, bottleneckSize * growthRate, 1, bias: false);
        norm2 = nn.BatchNorm2d(bottleneckSize * growthRate);
        relu2 = nn.ReLU();
        conv2 = nn.Conv2d(bottleneckSize * growthRate, growthRate, 3, padding: 1, bias: false);
        RegisterComponents();
    }

    /// <summary>The new features from the concatenation of all earlier ones.</summary>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = conv1.call(relu1.call(norm1.call(input)));
        return conv2.call(relu2.call(norm2.call(x))).MoveToOuterDisposeScope();
    }
}
