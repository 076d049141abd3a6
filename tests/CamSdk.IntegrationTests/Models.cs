using CamSdk;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CamSdk.IntegrationTests;

public enum Shape
{
    Circle,
    Square,
    Triangle,
}

/// <summary>A small real CNN, annotated as a user would annotate it.</summary>
[ClassHead(typeof(Shape))]
public partial class ShapeNet : nn.Module<Tensor, Tensor>
{
    [ExplainLayer(IsDefault = true)]
    private readonly Sequential features;

    [ExplainLayer]
    private readonly Conv2d conv2;

    private readonly ReLU relu = nn.ReLU();
    private readonly Linear fc;

    public ShapeNet() : base(nameof(ShapeNet))
    {
        features = nn.Sequential(nn.Conv2d(3, 8, 3, padding: 1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2));
        conv2 = nn.Conv2d(8, 16, 3, padding: 1);
        fc = nn.Linear(16, 3);
        RegisterComponents();
    }

    /// <summary>The same model, for comparisons with the runtime called by hand.</summary>
    public Sequential Features => features;

    /// <summary>The second layer.</summary>
    public Conv2d Conv2 => conv2;

    public override Tensor forward(Tensor input) => fc.call(relu.call(conv2.call(features.call(input))).mean([2L, 3L]));
}

public enum Species
{
    Cat,
    Dog,
}

/// <summary>Two heads in one output: 0-1 species, 2-4 something else; [ClassHead] on the method that selects the species.</summary>
public partial class TwoHeadNet : nn.Module<Tensor, Tensor>
{
    [ExplainLayer]
    private readonly Conv2d conv = nn.Conv2d(3, 6, 3, padding: 1);

    private readonly ReLU relu = nn.ReLU();
    private readonly Linear fc = nn.Linear(6, 5);

    public TwoHeadNet() : base(nameof(TwoHeadNet)) => RegisterComponents();

    public Conv2d Conv => conv;

    [ClassHead(typeof(Species))]
    public Tensor SpeciesScores(Tensor output) => output.narrow(1, 0, 2);

    public override Tensor forward(Tensor input) => fc.call(relu.call(conv.call(input)).mean([2L, 3L]));
}
