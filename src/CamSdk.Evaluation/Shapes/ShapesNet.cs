using CamSdk.Imaging;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CamSdk.Shapes;

/// <summary>
/// The small CNN of CamSdk's main job: each image's colour channels standardised (instance normalisation, which removes
/// the dataset's random colour cast and lets training start learning shapes at once), five 3×3 convolutions with batch
/// norm and ReLU (the first two of stride 2), global average pooling and one linear layer over the six
/// <see cref="ShapeKind"/> classes. Because it ends in global average
/// pooling and a linear head, CAM applies beside Grad-CAM (and equals it). Its last block keeps a quarter of the input's
/// resolution (16×16 at 64×64, 64 channels) and sees 31×31 pixels per position, so that its maps can localise objects.
/// </summary>
/// <remarks>
/// Declared with CamSdk's attributes, so the generator gives it <c>Explain</c>, <c>ExplainGuided</c> and
/// <c>CreateExplainer</c> overloads typed by <see cref="ShapeKind"/> and <see cref="Layers"/>. Train it with
/// <see cref="ShapesNetTrainer"/>; its inputs are RGB images normalised by <see cref="Preprocessor"/>.
/// </remarks>
[ClassHead(typeof(ShapeKind))]
public sealed partial class ShapesNet : nn.Module<Tensor, Tensor>
{
    private readonly Sequential layer1;
    private readonly Sequential layer2;
    private readonly Sequential layer3;
    private readonly Sequential layer4;
    private readonly AdaptiveAvgPool2d pool;
    private readonly Linear fc;

    /// <summary>Creates the network with PyTorch's default initialisation (call <c>torch.manual_seed</c> first for the same weights).</summary>
    public ShapesNet() : base(nameof(ShapesNet))
    {
        layer1 = nn.Sequential(nn.InstanceNorm2d(3), Block(3, 16, stride: 2));
        layer2 = Block(16, 32, stride: 2);
        layer3 = Block(32, 64, stride: 1);
        layer4 = nn.Sequential(Block(64, 64, stride: 1), Block(64, 64, stride: 1));
        pool = nn.AdaptiveAvgPool2d(1);
        fc = nn.Linear(64, SyntheticShapes.ClassCount);
        RegisterComponents();
    }

    /// <summary>The architecture's version: part of the cache key of trained weights, changed whenever the layers change.</summary>
    public const int Version = 2;

    /// <summary>How images become inputs: no resizing, each channel scaled to [0, 1] and normalised with mean 0.5 and standard deviation 0.25.</summary>
    public static ImagePreprocessor Preprocessor { get; } = new() { Mean = [0.5f, 0.5f, 0.5f], Std = [0.25f, 0.25f, 0.25f] };

    /// <summary>The third block (stride 4; 16×16 at a 64×64 input, 64 channels).</summary>
    [ExplainLayer]
    public Sequential Layer3 => layer3;

    /// <summary>The last block, two convolutions (stride 4; 16×16 at a 64×64 input, 64 channels): the layer explained by default.</summary>
    [ExplainLayer(IsDefault = true)]
    public Sequential Layer4 => layer4;

    /// <summary>The linear head after global average pooling: what <see cref="Methods.Cam"/> needs.</summary>
    public Linear Classifier => fc;

    /// <inheritdoc/>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var features = layer4.call(layer3.call(layer2.call(layer1.call(input))));
        return fc.call(pool.call(features).flatten(1)).MoveToOuterDisposeScope();
    }

    private static Sequential Block(int input, int output, int stride) =>
        nn.Sequential(nn.Conv2d(input, output, 3, stride: stride, padding: 1, bias: false), new HeldScalarBatchNorm2d(output), nn.ReLU());
}
