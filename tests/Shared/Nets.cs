using CamSdk.Internal;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CamSdk.Tests.Support;

/// <summary>conv → BN → ReLU → pool → conv → ReLU(in place) → global average pooling → linear: a CAM-compatible CNN.</summary>
public sealed class SmallCnn : nn.Module<Tensor, Tensor>
{
    public readonly Sequential features;
    public readonly AdaptiveAvgPool2d pool;
    public readonly Linear fc;

    public SmallCnn(int classes = 5, int channels = 3) : base(nameof(SmallCnn))
    {
        features = nn.Sequential(
            ("conv1", nn.Conv2d(channels, 8, 3, padding: 1)),
            ("bn1", nn.BatchNorm2d(8)),
            ("relu1", nn.ReLU()),
            ("pool1", nn.MaxPool2d(2)),
            ("conv2", nn.Conv2d(8, 16, 3, padding: 1)),
            ("relu2", nn.ReLU(inplace: true)));
        pool = nn.AdaptiveAvgPool2d(1);
        fc = nn.Linear(16, classes);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var pooled = pool.call(features.call(input)).flatten(1);
        return fc.call(pooled).MoveToOuterDisposeScope();
    }
}

/// <summary>Calls its feature block with <c>forward</c>, which bypasses TorchSharp's hooks.</summary>
public sealed class ForwardBypassNet : nn.Module<Tensor, Tensor>
{
    public readonly Sequential features;
    public readonly Linear fc;

    public ForwardBypassNet() : base(nameof(ForwardBypassNet))
    {
        features = nn.Sequential(nn.Conv2d(3, 4, 3, padding: 1), nn.ReLU());
        fc = nn.Linear(4, 3);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input) => fc.call(features.forward(input).mean([2L, 3L]));
}

/// <summary>
/// A model whose ReLU hooks cannot guide it: it applies its ReLU functionally, or it has a ReLU module
/// but runs it with <c>forward</c>, which bypasses hooks.
/// </summary>
public sealed class UnguidableNet : nn.Module<Tensor, Tensor>
{
    public readonly Conv2d conv;
    public readonly ReLU? relu;
    public readonly Linear fc;

    public UnguidableNet(bool hasReluModule) : base(nameof(UnguidableNet))
    {
        conv = nn.Conv2d(3, 4, 3, padding: 1);
        relu = hasReluModule ? nn.ReLU() : null;
        fc = nn.Linear(4, 3);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        var features = conv.call(input);
        var activated = relu is null ? nn.functional.relu(features) : relu.forward(features);
        return fc.call(activated.mean([2L, 3L]));
    }
}

/// <summary>conv → ReLU → conv → ReLU(in place) → flatten → linear, for hand-checked Guided Backpropagation.</summary>
public sealed class TinyGuidedNet : nn.Module<Tensor, Tensor>
{
    public readonly Conv2d conv1;
    public readonly ReLU relu1;
    public readonly Conv2d conv2;
    public readonly ReLU relu2;
    public readonly Linear fc;

    public TinyGuidedNet() : base(nameof(TinyGuidedNet))
    {
        conv1 = nn.Conv2d(1, 3, 3);
        relu1 = nn.ReLU();
        conv2 = nn.Conv2d(3, 2, 3);
        relu2 = nn.ReLU(inplace: true);
        fc = nn.Linear(2 * 3 * 3, 3);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input) => fc.call(relu2.call(conv2.call(relu1.call(conv1.call(input)))).flatten(1));
}

/// <summary>
/// Splits the image into a left-half channel and a right-half channel, then scores
/// class 0 = mean(left) − 0.5·mean(right) and class 1 = mean(right) − 0.5·mean(left).
/// </summary>
public sealed class HalfSplitNet : nn.Module<Tensor, Tensor>
{
    public readonly HalfSplit split;
    public readonly Linear fc;

    public HalfSplitNet(int size) : base(nameof(HalfSplitNet))
    {
        split = new HalfSplit(size);
        fc = nn.Linear(2, 2, hasBias: false);
        using (no_grad())
        {
            fc.weight!.copy_(tensor(new float[,] { { 1f, -0.5f }, { -0.5f, 1f } }));
        }

        RegisterComponents();
    }

    public override Tensor forward(Tensor input) => fc.call(split.call(input).mean([2L, 3L]));
}

/// <summary>Channel 0 = the image's left half, channel 1 = its right half (zero elsewhere).</summary>
public sealed class HalfSplit : nn.Module<Tensor, Tensor>
{
    private readonly Tensor left;

    public HalfSplit(int size) : base(nameof(HalfSplit))
    {
        left = zeros(1, 1, size, size);
        left[TensorIndex.Colon, TensorIndex.Colon, TensorIndex.Colon, TensorIndex.Slice(0, size / 2)] = tensor(1f);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input) => cat([input * left, input * left.neg().Plus(Scalars.Of(1))], 1);
}

/// <summary>features = identity, then global average pooling and a linear layer with weights the test sets.</summary>
public sealed class IdentityGapNet : nn.Module<Tensor, Tensor>
{
    public readonly Identity features;
    public readonly Linear fc;

    public IdentityGapNet(double[,] weights) : base(nameof(IdentityGapNet))
    {
        features = nn.Identity();
        fc = nn.Linear(weights.GetLength(1), weights.GetLength(0), hasBias: true, dtype: float64);
        using (no_grad())
        {
            fc.weight!.copy_(tensor(weights, dtype: float64));
            fc.bias!.fill_(Scalars.Of(0.25));
        }

        RegisterComponents();
    }

    public override Tensor forward(Tensor input) => fc.call(features.call(input).mean([2L, 3L]));
}

/// <summary>A smooth network (no ReLU after the explained layer) for finite differences in double precision.</summary>
public sealed class SmoothNet : nn.Module<Tensor, Tensor>
{
    public readonly Conv2d features;
    public readonly Sequential head;

    public SmoothNet() : base(nameof(SmoothNet))
    {
        features = nn.Conv2d(2, 3, 3, dtype: float64);
        head = nn.Sequential(nn.Conv2d(3, 2, 1, dtype: float64), nn.Tanh(), nn.Flatten(), nn.Linear(2 * 3 * 3, 4, dtype: float64));
        RegisterComponents();
    }

    public override Tensor forward(Tensor input) => head.call(features.call(input));
}

/// <summary>Uses the same convolution twice in one forward pass.</summary>
public sealed class SharedLayerNet : nn.Module<Tensor, Tensor>
{
    public readonly Conv2d conv;
    public readonly Linear fc;

    public SharedLayerNet() : base(nameof(SharedLayerNet))
    {
        conv = nn.Conv2d(3, 3, 3, padding: 1);
        fc = nn.Linear(3, 2);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input) => fc.call(conv.call(conv.call(input)).mean([2L, 3L]));
}
