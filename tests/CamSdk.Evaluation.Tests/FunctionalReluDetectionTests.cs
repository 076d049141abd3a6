using CamSdk.Evaluation;
using CamSdk.Guided;
using CamSdk.Internal;
using CamSdk.Methods;
using CamSdk.Models;
using CamSdk.Targets;
using CamSdk.Tests.Support;
using TorchSharp;
using TorchSharp.Modules;
using ResNet = CamSdk.Models.ResNet;
using static TorchSharp.torch;
using CamSdk.Shapes;

namespace CamSdk.Tests;

/// <summary>
/// conv → ReLU module → global average pooling and a copy done functionally (mean, permute, contiguous) → linear: every ReLU
/// is a module, but the head's input is non-negative, full of zeros where channels are dead, and the output of no module.
/// </summary>
public sealed class FunctionalPoolNet : nn.Module<Tensor, Tensor>
{
    public readonly Conv2d conv = nn.Conv2d(3, 8, 3, padding: 1);
    public readonly ReLU relu = nn.ReLU();
    public readonly Linear fc = nn.Linear(8, 3);

    public FunctionalPoolNet() : base(nameof(FunctionalPoolNet)) => RegisterComponents();

    public override Tensor forward(Tensor input)
    {
        var pooled = relu.call(conv.call(input)).mean([2L, 3L]);
        return fc.call(pooled.t().contiguous().t().contiguous());
    }
}

/// <summary>conv → ReLU module → conv → a functional ReLU of (x + shift) → conv → mean → linear: the functional ReLU has few zeros when the shift is large.</summary>
public sealed class ShiftedFunctionalReluNet : nn.Module<Tensor, Tensor>
{
    public readonly Conv2d conv1 = nn.Conv2d(3, 8, 3, padding: 1);
    public readonly ReLU relu1 = nn.ReLU();
    public readonly Conv2d conv2 = nn.Conv2d(8, 8, 3, padding: 1);
    public readonly Conv2d conv3 = nn.Conv2d(8, 8, 3, padding: 1);
    public readonly Linear fc = nn.Linear(8, 3);
    private readonly TorchSharp.Scalar _shift;

    public ShiftedFunctionalReluNet(double shift) : base(nameof(ShiftedFunctionalReluNet))
    {
        _shift = Scalars.Of(shift);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        var x = conv2.call(relu1.call(conv1.call(input))).Plus(_shift).relu();
        return fc.call(conv3.call(x).mean([2L, 3L]));
    }
}

/// <summary>
/// Guided Backpropagation's check for ReLUs applied functionally (which no hook can guide): what makes a ReLU a ReLU is that
/// its zeros pass no gradient back; pooled, reshaped, copied or dead-channel outputs of ReLU modules pass gradient through
/// their zeros and are never flagged, on trained, re-initialised and hand-broken networks alike.
/// </summary>
public sealed class FunctionalReluDetectionTests
{
    [Fact]
    public void PooledAndCopiedReluOutputsWithDeadChannelsAreNotMistakenForAFunctionalRelu()
    {
        manual_seed(5);
        var model = new FunctionalPoolNet();
        using (no_grad())
        {
            // Half the channels dead: their ReLU outputs, and so their pooled features, are exactly 0 for every image.
            model.conv.weight![TensorIndex.Slice(0, 4)].zero_();
            model.conv.bias![TensorIndex.Slice(0, 4)].fill_(Scalars.Of(-1.0));
        }

        using var input = randn(2, 3, 6, 6);
        using var result = new GuidedBackpropagation(model).Explain(input, CamTarget.Class(1));

        // By hand: the pooled head sends fc.weight[1, c] / 36 to every position of channel c; the guided ReLU keeps it where it
        // is positive and where the ReLU's input was positive.
        using var scope = NewDisposeScope();
        var x = input.detach().requires_grad_(true);
        var z = model.conv.forward(x);
        var arriving = model.fc.weight![1].div(Scalars.Of(36.0)).reshape(1, 8, 1, 1).expand(2, 8, 6, 6);
        var guided = arriving.clamp_min(Scalars.Of(0)) * z.gt(Scalars.Of(0));
        var expected = autograd.grad([z], [x], [guided])[0];
        Assert.True(expected.abs().max().item<float>() > 0, "the test must compare a non-trivial gradient");
        Assert.True(Tensors.MaxAbsDifference(result.Gradients, expected) < 1e-6);
        using (no_grad())
        {
            var pooled = model.relu.forward(model.conv.forward(input)).mean([2L, 3L]);
            Assert.True(pooled.eq(Scalars.Of(0)).to(float32).mean().item<float>() >= 0.5f, "the head's input must be at least half exact zeros");
        }
    }

    [Fact]
    public void AFunctionalReluWithFewZerosIsCaughtAsSurelyAsOneWithMany()
    {
        foreach (var shift in new[] { 0.0, 0.3 })
        {
            manual_seed(21);
            var model = new ShiftedFunctionalReluNet(shift);
            using var input = randn(2, 3, 12, 12);
            using var scope = NewDisposeScope();
            using (no_grad())
            {
                var features = model.conv2.forward(model.relu1.forward(model.conv1.forward(input))).Plus(Scalars.Of(shift)).relu();
                var zeros = features.eq(Scalars.Of(0)).to(float32).mean().item<float>();
                Assert.True(shift == 0 ? zeros > 0.25f : zeros is > 0f and < 0.25f, $"shift {shift}: {zeros:P1} zeros");
            }

            var error = Assert.Throws<CamModelException>(() => new GuidedBackpropagation(model).Explain(input, CamTarget.Class(0)));
            Assert.Contains("the input of 'conv3'", error.Message);
            Assert.Contains("zeros that pass no gradient back", error.Message);
        }
    }

    [Fact]
    public void ShapesNetWithDeadChannelsIsGuidedWhole()
    {
        manual_seed(3);
        var model = new ShapesNet();
        using (no_grad())
        {
            // The last batch norm of layer4 outputs exactly 0 on 48 of its 64 channels: their ReLUs and pooled features are 0.
            var norm = model.named_modules().Where(m => m.module is HeldScalarBatchNorm2d && m.name.StartsWith("layer4", StringComparison.Ordinal)).Last().module;
            foreach (var (name, parameter) in norm.named_parameters())
            {
                parameter[TensorIndex.Slice(0, 48)].zero_();
            }
        }

        using var input = ShapesChecks.HeldOutBatch(new ShapesTrainingOptions(), 2);
        using var result = new GuidedBackpropagation(model).Explain(input);
        Assert.True(result.Gradients.abs().max().item<float>() > 0);
    }

    public static TheoryData<string> ReinitialisedModels => ["shapesnet", "resnet18"];

    [Trait("Speed", "Slow")]
    [Theory]
    [MemberData(nameof(ReinitialisedModels))]
    public void ModelsWhoseRelusAreAllModulesAreGuidedAtEveryStepOfCascadingRandomisation(string name)
    {
        foreach (var seed in new[] { 0, 1, 2 })
        {
            using var scope = NewDisposeScope();
            manual_seed(seed);
            var (model, layer, create) = Model(name);
            using var images = name == "shapesnet" ? ShapesChecks.HeldOutBatch(new ShapesTrainingOptions(), 2) : randn(2, 3, 64, 64);
            var result = SanityCheck.Run(model, layer, images, [CamMethods.GradCam], new SanityCheckOptions { CreateModel = create, Independent = false, Seed = seed, Blocks = name != "shapesnet" });
            Assert.True(result.Steps.Count >= 4);
            foreach (var step in result.Steps)
            {
                foreach (var (key, similarity) in step.Similarity)
                {
                    Assert.True(similarity.Failure is null, $"{name}, seed {seed}, {ReportChecks.StepName(step)}, {key}: {similarity.Failure}");
                    Assert.True(double.IsFinite(similarity.SpearmanAbsolute), $"{name}, seed {seed}, {ReportChecks.StepName(step)}, {key}");
                }
            }
        }
    }

    private static (nn.Module<Tensor, Tensor> Model, nn.Module<Tensor, Tensor> Layer, Func<nn.Module<Tensor, Tensor>> Create) Model(string name)
    {
        if (name == "shapesnet")
        {
            var shapes = new ShapesNet();
            return (shapes, shapes.Layer4, () => new ShapesNet());
        }

        var resnet = ResNet.ResNet18(numClasses: 4);
        return (resnet, resnet.GetLayer(ResNet.Layers.Layer4), () => ResNet.ResNet18(numClasses: 4));
    }
}
