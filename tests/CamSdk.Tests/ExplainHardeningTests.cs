using CamSdk.Guided;
using CamSdk.Internal;
using CamSdk.Methods;
using CamSdk.Targets;
using CamSdk.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace CamSdk.Tests;

/// <summary>
/// Failures get the right blame: the model's own failures are not blamed on the input, a disposed model or layer
/// and inference mode are named up front, non-finite channel weights are numeric errors, and a score function that
/// mixes images is caught. The model is left as it was found each time.
/// </summary>
public sealed class ExplainHardeningTests
{
    /// <summary>A model whose forward throws an exception of its own after its convolution ran.</summary>
    private sealed class ThrowingNet : nn.Module<Tensor, Tensor>
    {
        public readonly TorchSharp.Modules.Conv2d conv;

        public ThrowingNet() : base(nameof(ThrowingNet))
        {
            conv = nn.Conv2d(3, 4, 3, padding: 1);
            RegisterComponents();
        }

        public override Tensor forward(Tensor input)
        {
            _ = conv.call(input);
            throw new InvalidOperationException("the lookup table was not loaded");
        }
    }

    /// <summary>Weights every channel with NaN: a custom method's bug.</summary>
    private sealed class NaNWeights : ChannelWeightCamMethod
    {
        public override string Name => "NaNWeights";

        public override bool UsesGradients => false;

        protected override Tensor ComputeChannelWeights(CamCapture capture) =>
            full(capture.Activations.shape[0], capture.Activations.shape[1], Scalars.Of(double.NaN), device: capture.Activations.device);
    }

    [Fact]
    public void AModelsOwnFailureIsAModelExceptionThatDoesNotBlameTheInput()
    {
        var model = new ThrowingNet();
        using var input = randn(1, 3, 8, 8);
        var error = Assert.Throws<CamModelException>(() => new CamExplainer(model, model.conv).Explain(input, 0));
        Assert.Contains("InvalidOperationException", error.Message);
        Assert.Contains("the lookup table was not loaded", error.Message);
        Assert.Contains("not of the input", error.Message);
        Assert.DoesNotContain("Check that the input", error.Message);
        Assert.IsType<InvalidOperationException>(error.InnerException);
        Assert.True(model.training);
    }

    [Fact]
    public void AShapeMismatchStillBlamesTheInput()
    {
        manual_seed(1);
        var model = new SmallCnn(classes: 3);
        using var input = randn(1, 5, 8, 8);
        Assert.Contains("channel count", Assert.Throws<CamInputException>(() => new CamExplainer(model, model.features).Explain(input)).Message);
    }

    [Fact]
    public void ADisposedModelOrLayerIsNamedBeforeAnythingRuns()
    {
        using var input = randn(1, 3, 8, 8);
        var model = new SmallCnn(classes: 3);
        var explainer = new CamExplainer(model, model.features);
        model.fc.Dispose();
        Assert.Contains("disposed", Assert.Throws<CamModelException>(() => explainer.Explain(input)).Message);

        var other = new SmallCnn(classes: 3);
        var layerExplainer = new CamExplainer(other, other.features);
        other.features.Dispose();
        Assert.Contains("disposed", Assert.Throws<CamModelException>(() => layerExplainer.Explain(input)).Message);

        var guided = new SmallCnn(classes: 3);
        guided.Dispose();
        Assert.Contains("disposed", Assert.Throws<CamModelException>(() => new GuidedBackpropagation(guided).Explain(input)).Message);
    }

    [Fact]
    public void InferenceModeIsNamed()
    {
        manual_seed(2);
        var model = new SmallCnn(classes: 3);
        using var input = randn(1, 3, 8, 8);
        var explainer = new CamExplainer(model, model.features);
        using (inference_mode())
        {
            Assert.Contains("inference_mode", Assert.Throws<CamModelException>(() => explainer.Explain(input)).Message);
        }

        Assert.False(is_inference_mode_enabled());
        using var after = explainer.Explain(input); // and works outside it
        Assert.Equal(new long[] { 1, 8, 8 }, after.Heatmaps.shape);
    }

    [Fact]
    public void NonFiniteChannelWeightsAreANumericError()
    {
        manual_seed(3);
        var model = new SmallCnn(classes: 3);
        using var input = randn(2, 3, 8, 8);
        var error = Assert.Throws<CamNumericException>(() => new CamExplainer(model, model.features).Explain(input, [new NaNWeights()]));
        Assert.Contains("NaNWeights's channel weights", error.Message);
        Assert.Contains("32 NaN", error.Message); // 2 images × 16 channels
    }

    [Fact]
    public void AScoreFunctionThatMixesImagesIsCaught()
    {
        manual_seed(4);
        var model = new SmallCnn(classes: 3);
        using var input = randn(3, 3, 8, 8);
        var explainer = new CamExplainer(model, model.features);

        // Every image's score includes the batch's total of class 1.
        var mixing = CamTarget.Score(o => o.select(1, 0).Plus(o.select(1, 1).sum()));
        var error = Assert.Throws<CamTargetException>(() => explainer.Explain(input, mixing));
        Assert.Contains("mixes images", error.Message);
        Assert.Contains("score of image 0 depends on the output for image", error.Message);

        var softmaxAcrossTheBatch = CamTarget.Score(o => o.select(1, 2).softmax(0));
        Assert.Throws<CamTargetException>(() => explainer.Explain(input, softmaxAcrossTheBatch));

        // Per-image scores, however non-linear, pass, and give each image its own map.
        var perImage = CamTarget.Score(o => o.log_softmax(1).select(1, 2) - o.select(1, 0).pow(Scalars.Of(2)));
        using var margin = explainer.Explain(input, perImage);
        using var single = explainer.Explain(input[1].unsqueeze(0), perImage);
        Assert.True(Tensors.MaxAbsDifference(margin.Heatmaps[1], single.Heatmaps[0]) < 1e-5);
        Assert.True(model.training);
    }

    [Fact]
    public void AMapThatIsConstantAtLayerResolutionGivesAFlatHeatmap()
    {
        // An 2×2 input pools to a 1×1 map at the second convolution: one value per channel, nothing spatial.
        manual_seed(5);
        var model = new SmallCnn(classes: 3);
        using var input = randn(2, 3, 2, 2);
        using var result = new CamExplainer(model, model.features).Explain(input, 1);
        Assert.Equal(new long[] { 2, 1, 1 }, result.RawMaps.shape);
        Assert.Equal(new long[] { 2, 2, 2 }, result.Heatmaps.shape);
        Assert.Equal(0, result.Heatmaps.abs().max().item<float>()); // pytorch-grad-cam's scale_cam_image: (m - min) / (1e-7 + max) = 0
        Assert.False(result.Heatmaps.isnan().any().item<bool>());
    }
}

/// <summary>conv → ReLU module → conv → ReLU (functional, or a module) → conv → mean → linear.</summary>
public sealed class MixedReluNet : nn.Module<Tensor, Tensor>
{
    public readonly TorchSharp.Modules.Conv2d conv1 = nn.Conv2d(3, 8, 3, padding: 1);
    public readonly TorchSharp.Modules.ReLU relu1 = nn.ReLU();
    public readonly TorchSharp.Modules.Conv2d conv2 = nn.Conv2d(8, 8, 3, padding: 1);
    public readonly TorchSharp.Modules.ReLU relu2 = nn.ReLU();
    public readonly TorchSharp.Modules.Conv2d conv3 = nn.Conv2d(8, 8, 3, padding: 1);
    public readonly TorchSharp.Modules.Linear fc = nn.Linear(8, 3);
    private readonly bool _functional;

    public MixedReluNet(bool functional) : base(nameof(MixedReluNet))
    {
        _functional = functional;
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        var x = conv2.call(relu1.call(conv1.call(input)));
        x = _functional ? x.relu() : relu2.call(x);
        return fc.call(conv3.call(x).mean([2L, 3L]));
    }
}

public sealed class PartialGuidanceTests
{
    [Fact]
    public void AFunctionalReluBesideReluModulesIsReportedNotSilentlyHalfGuided()
    {
        manual_seed(21);
        var mixed = new MixedReluNet(functional: true);
        var modules = new MixedReluNet(functional: false);
        modules.load_state_dict(mixed.state_dict());
        using var input = randn(2, 3, 12, 12);

        var error = Assert.Throws<CamModelException>(() => new GuidedBackpropagation(mixed).Explain(input, CamTarget.Class(1)));
        Assert.Contains("apply ReLUs functionally", error.Message);
        Assert.Contains("the input of 'conv3'", error.Message);
        Assert.Contains("AllowPartialGuidance", error.Message);

        // Accepted on request: partly guided, so not the fully guided gradients of the same weights with a ReLU module.
        using var partly = new GuidedBackpropagation(mixed, new ExplainerOptions { AllowPartialGuidance = true }).Explain(input, CamTarget.Class(1));
        using var fully = new GuidedBackpropagation(modules).Explain(input, CamTarget.Class(1));
        Assert.True(Tensors.MaxAbsDifference(partly.Gradients, fully.Gradients) > 1e-4);
        Assert.False(partly.Gradients.isnan().any().item<bool>());

        // Models whose ReLUs are all modules are never flagged (the zoo's at every step of randomisation: FunctionalReluDetectionTests).
        using var image = randn(2, 3, 12, 12);
        using var guided = new GuidedBackpropagation(modules).Explain(image);
        Assert.Equal(new long[] { 2, 3, 12, 12 }, guided.Gradients.shape);
    }
}
