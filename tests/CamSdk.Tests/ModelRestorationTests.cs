using CamSdk.Targets;
using CamSdk.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace CamSdk.Tests;

public sealed class ModelRestorationTests
{
    public static TheoryData<string> Failures => ["target throws", "forward fails", "success", "guided target throws", "guided success"];

    [Theory]
    [MemberData(nameof(Failures))]
    public void ModelIsLeftAsFound(string scenario)
    {
        manual_seed(23);
        var model = new SmallCnn(classes: 3);
        // A mixed state to restore: training model, one submodule in eval, some parameters frozen.
        model.train();
        ((nn.Module)model.features[1]).eval();
        var parameters = model.parameters().ToList();
        parameters[0].requires_grad = false;
        parameters[3].requires_grad = false;
        var training = model.named_modules().Select(m => m.module.training).Prepend(model.training).ToArray();
        var requiresGrad = parameters.Select(p => p.requires_grad).ToArray();
        Assert.Contains(true, training);
        Assert.Contains(false, training);

        using var good = randn(1, 3, 8, 8);
        using var bad = randn(1, 5, 8, 8); // conv1 expects 3 channels
        var throwing = CamTarget.Score(_ => throw new InvalidOperationException("boom"));
        var explainer = new CamExplainer(model, model.features);
        Action call = scenario switch
        {
            "target throws" => () => explainer.Explain(good, throwing).Dispose(),
            "forward fails" => () => explainer.Explain(bad).Dispose(),
            "guided target throws" => () => explainer.ExplainGuided(good, throwing).Dispose(),
            "guided success" => () => explainer.ExplainGuided(good).Dispose(),
            _ => () => explainer.Explain(good).Dispose(),
        };

        if (scenario.Contains("success"))
        {
            call();
        }
        else
        {
            var error = Record.Exception(call);
            Assert.NotNull(error);
            if (scenario.Contains("target throws"))
            {
                // The score function's own exception, named and kept inside the target's.
                Assert.IsType<CamTargetException>(error);
                Assert.IsType<InvalidOperationException>(error.InnerException);
                Assert.Contains("threw InvalidOperationException: boom", error.Message);
            }
            else
            {
                Assert.IsType<CamInputException>(error);
            }
        }

        Assert.Equal(0, Hooks.Count(model));
        Assert.Equal(training, model.named_modules().Select(m => m.module.training).Prepend(model.training).ToArray());
        Assert.Equal(requiresGrad, model.parameters().Select(p => p.requires_grad).ToArray());
    }

    [Fact]
    public void ExplainInsideNoGradStillWorksAndLeavesGradModeOff()
    {
        manual_seed(29);
        var model = new SmallCnn();
        using var input = randn(1, 3, 8, 8);
        using (no_grad())
        {
            using var result = new CamExplainer(model, model.features).Explain(input);
            Assert.True(result.RawMaps.max().item<float>() > 0);
            Assert.False(is_grad_enabled());
        }

        Assert.True(is_grad_enabled());
    }

    [Fact]
    public void InputIsNotModified()
    {
        manual_seed(31);
        var model = new SmallCnn();
        using var input = randn(1, 3, 8, 8);
        using var copy = input.clone();
        using (new CamExplainer(model, model.features).ExplainGuided(input))
        {
        }

        Assert.False(input.requires_grad);
        Assert.Equal(0, Tensors.MaxAbsDifference(input, copy));
    }
}
