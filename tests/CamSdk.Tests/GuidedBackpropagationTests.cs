using CamSdk.Guided;
using CamSdk.Internal;
using CamSdk.Targets;
using CamSdk.Tests.Support;
using static TorchSharp.torch;

namespace CamSdk.Tests;

public sealed class GuidedBackpropagationTests
{
    [Fact]
    public void GuidedGradientEqualsTheGradientMaskedByHand()
    {
        manual_seed(13);
        var model = new TinyGuidedNet();
        using var input = randn(2, 1, 7, 7);
        var classes = new[] { 2, 0 };
        using var result = new GuidedBackpropagation(model).Explain(input, CamTarget.Classes(classes));

        // Backward by hand: at each ReLU keep only positive gradients where the ReLU's input was positive.
        using var scope = NewDisposeScope();
        var x = input.detach().requires_grad_(true);
        var z1 = model.conv1.forward(x);
        var a1 = z1.relu();
        var z2 = model.conv2.forward(a1);
        var a2 = z2.relu();
        var y = model.fc.forward(a2.flatten(1));
        var selector = zeros_like(y);
        selector[0, classes[0]] = tensor(1f);
        selector[1, classes[1]] = tensor(1f);
        var gA2 = autograd.grad([y], [a2], [selector], retain_graph: true)[0];
        var gZ2 = gA2.clamp_min(Scalars.Of(0)) * z2.gt(Scalars.Of(0));
        var gA1 = autograd.grad([z2], [a1], [gZ2], retain_graph: true)[0];
        var gZ1 = gA1.clamp_min(Scalars.Of(0)) * z1.gt(Scalars.Of(0));
        var expected = autograd.grad([z1], [x], [gZ1], retain_graph: true)[0];
        var plain = autograd.grad([y], [x], [selector])[0];

        Assert.True(expected.abs().max().item<float>() > 0, "the test must compare a non-trivial gradient");
        Assert.True(Tensors.MaxAbsDifference(result.Gradients, expected) < 1e-6);
        Assert.True(Tensors.MaxAbsDifference(result.Gradients, plain) > 1e-3, "guided and plain gradients must differ here");
        Assert.Equal(classes, result.ClassIndices);
    }

    [Fact]
    public void GuidedGradCamIsGuidedBackpropagationTimesTheHeatmapPerChannel()
    {
        manual_seed(17);
        var model = new SmallCnn(classes: 3);
        using var input = randn(2, 3, 10, 10);
        var explainer = new CamExplainer(model, model.features);
        using var result = explainer.ExplainGuided(input, CamTarget.Class(1));
        using var guided = new GuidedBackpropagation(model).Explain(input, CamTarget.Class(1));
        using var cam = explainer.Explain(input, 1);

        Assert.Equal(new long[] { 2, 3, 10, 10 }, result.GuidedGradCam.shape);
        Assert.Equal(0, Tensors.MaxAbsDifference(result.GuidedBackpropagation, guided.Gradients));
        Assert.Equal(0, Tensors.MaxAbsDifference(result.Cam.Heatmaps, cam.Heatmaps));
        using var expected = guided.Gradients * cam.Heatmaps.unsqueeze(1);
        Assert.Equal(0, Tensors.MaxAbsDifference(result.GuidedGradCam, expected));
        Assert.True(expected.abs().max().item<float>() > 0);
    }

    [Fact]
    public void FunctionalReluModelIsRefusedWithAClearMessage()
    {
        var model = new UnguidableNet(hasReluModule: false);
        using var input = randn(1, 3, 6, 6);
        var error = Assert.Throws<CamModelException>(() => new GuidedBackpropagation(model).Explain(input));
        Assert.Contains("no ReLU module", error.Message);
        Assert.Contains("Grad-CAM", error.Message);
    }

    [Fact]
    public void ReluModulesThatNeverRunAreReported()
    {
        var model = new UnguidableNet(hasReluModule: true);
        using var input = randn(1, 3, 6, 6);
        var error = Assert.Throws<CamModelException>(() => new GuidedBackpropagation(model).Explain(input));
        Assert.Contains("None of the model's 1 ReLU module(s) ran", error.Message);
        Assert.Contains(".call(x)", error.Message);
    }

    [Fact]
    public void GuidedPassLeavesTheModelsReluBehaviourUnchanged()
    {
        manual_seed(19);
        var model = new TinyGuidedNet();
        model.eval();
        using var input = randn(1, 1, 7, 7);
        using var x = input.detach().requires_grad_(true);
        using var before = autograd.grad([model.call(x).select(1, 1).sum()], [x])[0];

        using (new GuidedBackpropagation(model).Explain(input, CamTarget.Class(1)))
        {
        }

        using var x2 = input.detach().requires_grad_(true);
        using var after = autograd.grad([model.call(x2).select(1, 1).sum()], [x2])[0];
        Assert.Equal(0, Tensors.MaxAbsDifference(before, after));
        Assert.True(before.min().item<float>() < 0, "plain gradients have negative values that a leaked guided ReLU would remove");
    }

    [Fact]
    public void Relu6IsRefusedUnlessAskedAndThenGuidedLikeAReluWhereItPassesGradients()
    {
        // x = (1, 1); h = W1·x = (3, -0.5, 7): one unit in (0, 6), one below 0, one saturated at 6.
        var model = new Relu6Net();
        using var input = ones(2, 1, 1, 2);
        var refused = Assert.Throws<CamModelException>(() => new GuidedBackpropagation(model).Explain(input, CamTarget.Classes([0, 1])));
        Assert.Contains("ReLU6 (1, e.g. 'relu6')", refused.Message);
        Assert.Contains("GuideRelu6", refused.Message);
        Assert.Equal(0, Hooks.Count(model));

        // Class 0, head row (0.5, 2, 1): clamp at 0 keeps all, the ReLU6 passes unit 1 only: W1ᵀ·(0.5, 0, 0) = (1, 0.5).
        // Class 1, head row (-1, 3, 2): clamp keeps (0, 3, 2), the ReLU6 passes unit 1 only: 0. The plain gradient is (-2, -1).
        using var result = new GuidedBackpropagation(model, new ExplainerOptions { GuideRelu6 = true }).Explain(input, CamTarget.Classes([0, 1]));
        Assert.Equal(new[] { 1f, 0.5f, 0f, 0f }, result.Gradients.flatten().data<float>().ToArray());
    }

    private sealed class Relu6Net : TorchSharp.torch.nn.Module<Tensor, Tensor>
    {
        private readonly TorchSharp.Modules.Linear hidden;
        private readonly TorchSharp.Modules.ReLU6 relu6;
        private readonly TorchSharp.Modules.Linear head;

        public Relu6Net() : base(nameof(Relu6Net))
        {
            hidden = TorchSharp.torch.nn.Linear(2, 3, hasBias: false);
            relu6 = TorchSharp.torch.nn.ReLU6();
            head = TorchSharp.torch.nn.Linear(3, 2, hasBias: false);
            RegisterComponents();
            using var noGrad = no_grad();
            hidden.weight.copy_(tensor(new float[] { 2, 1, -1, 0.5f, 4, 3 }).reshape(3, 2));
            head.weight.copy_(tensor(new float[] { 0.5f, 2, 1, -1, 3, 2 }).reshape(2, 3));
        }

        public override Tensor forward(Tensor input) => head.call(relu6.call(hidden.call(input.flatten(1))));
    }
}
