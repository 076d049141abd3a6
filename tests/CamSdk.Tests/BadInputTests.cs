using CamSdk.Guided;
using CamSdk.Internal;
using CamSdk.Targets;
using CamSdk.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace CamSdk.Tests;

/// <summary>
/// Every bad input ends in a CamSdk exception that says what was wrong and what to do. Some libtorch errors
/// abort the process instead of throwing, so these tests also prove, by running in one test process,
/// that no bad input reaches such a call.
/// </summary>
public sealed class BadInputTests
{
    private readonly SmallCnn _model;
    private readonly CamExplainer _explainer;

    public BadInputTests()
    {
        manual_seed(37);
        _model = new SmallCnn(classes: 5);
        _explainer = new CamExplainer(_model, _model.features);
    }

    [Fact]
    public void WrongRank()
    {
        using var image = randn(3, 8, 8);
        var error = Assert.Throws<CamInputException>(() => _explainer.Explain(image));
        Assert.Contains("shape [3, 8, 8]", error.Message);
        Assert.Contains("unsqueeze(0)", error.Message);
    }

    [Fact]
    public void WrongChannelCount()
    {
        using var input = randn(1, 4, 8, 8);
        var error = Assert.Throws<CamInputException>(() => _explainer.Explain(input));
        Assert.Contains("[1, 4, 8, 8]", error.Message);
        Assert.Contains("3 channels", error.Message);
        Assert.Contains("channel count", error.Message);
    }

    [Fact]
    public void EmptyBatch()
    {
        using var input = zeros(0, 3, 8, 8);
        var error = Assert.Throws<CamInputException>(() => _explainer.Explain(input));
        Assert.Contains("empty", error.Message);
    }

    [Fact]
    public void IntegerInput()
    {
        using var input = zeros(1, 3, 8, 8, dtype: ScalarType.Byte);
        var error = Assert.Throws<CamInputException>(() => _explainer.Explain(input));
        Assert.Contains("floating point", error.Message);
    }

    [Fact]
    public void DisposedInput()
    {
        var input = randn(1, 3, 8, 8);
        input.Dispose();
        Assert.Throws<CamInputException>(() => _explainer.Explain(input));
    }

    [Theory]
    [InlineData(5)]
    [InlineData(-1)]
    public void ClassIndexOutOfRangeNamesTheValidRange(int classIndex)
    {
        using var input = randn(1, 3, 8, 8);
        var error = Assert.Throws<CamTargetException>(() => _explainer.Explain(input, classIndex));
        Assert.Contains($"Class index {classIndex} is out of range", error.Message);
        Assert.Contains("valid indices are 0 to 4", error.Message);
    }

    [Fact]
    public void WrongNumberOfPerImageClasses()
    {
        using var input = randn(2, 3, 8, 8);
        var error = Assert.Throws<CamTargetException>(() => _explainer.Explain(input, CamTarget.Classes([1, 2, 3])));
        Assert.Contains("3 class indices were given for a batch of 2", error.Message);
    }

    [Fact]
    public void TargetLayerNotReachedExplainsModuleCall()
    {
        var model = new ForwardBypassNet();
        using var input = randn(1, 3, 6, 6);
        var error = Assert.Throws<CamLayerException>(() => new CamExplainer(model, model.features).Explain(input));
        Assert.Contains("'features' did not run", error.Message);
        Assert.Contains("Module.call", error.Message);
        Assert.Contains("features.call(x)", error.Message);
        Assert.Equal(0, Hooks.Count(model));
    }

    [Fact]
    public void TargetLayerNotSpatial()
    {
        using var input = randn(1, 3, 8, 8);
        var error = Assert.Throws<CamLayerException>(() => new CamExplainer(_model, _model.fc).Explain(input));
        Assert.Contains("'fc' returned shape [1, 5]", error.Message);
        Assert.Contains("N×K×h×w", error.Message);
        Assert.Equal(0, Hooks.Count(_model));
    }

    [Fact]
    public void TargetLayerRunTwice()
    {
        var model = new SharedLayerNet();
        using var input = randn(1, 3, 6, 6);
        var error = Assert.Throws<CamLayerException>(() => new CamExplainer(model, model.conv).Explain(input));
        Assert.Contains("ran 2 times", error.Message);
    }

    [Fact]
    public void TargetLayerOfAnotherModel()
    {
        var other = new SmallCnn();
        var error = Assert.Throws<CamLayerException>(() => new CamExplainer(_model, other.features));
        Assert.Contains("not a submodule", error.Message);
        Assert.Contains("RegisterComponents", error.Message);
    }

    [Fact]
    public void ScoreFunctionWithWrongShape()
    {
        using var input = randn(2, 3, 8, 8);
        var error = Assert.Throws<CamTargetException>(() => _explainer.Explain(input, CamTarget.Score(o => o.sum(), "total")));
        Assert.Contains("The target (total) returned a tensor of shape []", error.Message);
        Assert.Contains("shape [2]", error.Message);
    }

    [Fact]
    public void ScoreFunctionWithoutGradientPath()
    {
        using var input = randn(2, 3, 8, 8);
        var detached = CamTarget.Score(o => o.detach().select(1, 0), "detached score");
        var error = Assert.Throws<CamTargetException>(() => _explainer.Explain(input, detached));
        Assert.Contains("no gradient path", error.Message);
    }

    [Fact]
    public void ScoreThatDoesNotDependOnTheLayer()
    {
        // Parameters that require grad give the score a graph, but not through the explained layer.
        using var input = randn(2, 3, 8, 8);
        var biasOnly = CamTarget.Score(o => _model.fc.bias!.sum().expand(2), "bias");
        var error = Assert.Throws<CamTargetException>(() => _explainer.Explain(input, biasOnly));
        Assert.Contains("do not depend on the target layer 'features'", error.Message);
    }

    [Fact]
    public void NaNInInput()
    {
        using var input = randn(1, 3, 8, 8);
        input[0, 1, 2, 3] = tensor(float.NaN);
        input[0, 0, 0, 0] = tensor(float.PositiveInfinity);
        var error = Assert.Throws<CamInputException>(() => _explainer.Explain(input));
        Assert.Contains("2 NaN or infinite", error.Message);
    }

    [Fact]
    public void InfiniteScores()
    {
        using var input = randn(1, 3, 8, 8);
        var error = Assert.Throws<CamNumericException>(() => _explainer.Explain(input, CamTarget.Score(o => o.select(1, 0).div(Scalars.Of(0)), "divided by zero")));
        Assert.Contains("target scores contains", error.Message);
    }

    [Fact]
    public void NaNGradients()
    {
        // sqrt at 0 has an infinite derivative; times 0 it is NaN, while the score itself is finite (0).
        using var input = randn(1, 3, 8, 8);
        var error = Assert.Throws<CamNumericException>(() => _explainer.Explain(input, CamTarget.Score(o => o.select(1, 0).mul(Scalars.Of(0)).sqrt(), "sqrt at zero")));
        Assert.Contains("gradient at the target layer 'features'", error.Message);
    }

    [Fact]
    public void NaNGuidedGradients()
    {
        using var input = randn(1, 3, 8, 8);
        var error = Assert.Throws<CamNumericException>(() => new GuidedBackpropagation(_model).Explain(input, CamTarget.Score(o => o.select(1, 0).mul(Scalars.Of(0)).sqrt())));
        Assert.Contains("gradient at the input", error.Message);
    }

    [Fact]
    public void NullArguments()
    {
        Assert.Throws<ArgumentNullException>(() => _explainer.Explain(null!));
        Assert.Throws<ArgumentNullException>(() => new CamExplainer(null!, _model.features));
        Assert.Throws<ArgumentNullException>(() => CamTarget.Score(null!));
    }

    [Fact]
    public void CancellationBeforeWork()
    {
        using var input = randn(1, 3, 8, 8);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.Throws<OperationCanceledException>(() => _explainer.Explain(input, cancellationToken: cancelled.Token));
        Assert.Equal(0, Hooks.Count(_model));
    }
}
