using CamSdk;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CamSdk.Samples.Quickstart;

/// <summary>A small CNN: three conv blocks, global average pooling, one linear layer. CamSdk's generator gives it Explain methods.</summary>
[ClassHead(typeof(Shape))]
public sealed partial class ShapeNet : nn.Module<Tensor, Tensor>
{
    /// <summary>The last convolutional block (8×8 at a 32×32 input): the layer Grad-CAM explains.</summary>
    [ExplainLayer(IsDefault = true)]
    private readonly Sequential features;
    private readonly AdaptiveAvgPool2d pool;
    private readonly Linear classifier;

    public ShapeNet() : base(nameof(ShapeNet))
    {
        features = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding: 1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding: 1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 32, 3, padding: 1), nn.ReLU());
        pool = nn.AdaptiveAvgPool2d(1);
        classifier = nn.Linear(32, 3);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        return classifier.call(pool.call(features.call(input)).flatten(1)).MoveToOuterDisposeScope();
    }
}
