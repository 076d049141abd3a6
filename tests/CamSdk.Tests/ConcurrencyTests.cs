using CamSdk.Guided;
using CamSdk.Internal;
using CamSdk.Targets;
using CamSdk.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace CamSdk.Tests;

/// <summary>
/// An explanation touches only its own call: another thread running the same model at the same time (a server
/// predicting while it explains) sees neither its hooks nor its guided ReLUs.
/// </summary>
public sealed class ConcurrencyTests
{
    [Fact]
    public void AnotherThreadsInferenceIsUntouchedWhileExplaining()
    {
        manual_seed(61);
        var model = new SmallCnn(classes: 4);
        model.eval();
        using var input = randn(2, 3, 16, 16);
        Tensor expected;
        using (no_grad())
        {
            expected = model.call(input);
        }

        var report = RunBesideExplanations(model, input, () =>
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var output = model.call(input);
            return Tensors.MaxAbsDifference(output, expected);
        });

        Assert.Equal(0, report.MaxDifference);
        Assert.True(report.Iterations >= 20, $"the other thread ran only {report.Iterations} times");
        Assert.Equal(0, Hooks.Count(model));
    }

    [Fact]
    public void AnotherThreadsAutogradIsNeitherDetachedNorGuided()
    {
        manual_seed(67);
        var model = new SmallCnn(classes: 4);
        model.eval();
        using var input = randn(2, 3, 16, 16);
        var expected = InputGradient(model, input);
        Assert.True(expected.abs().max().item<float>() > 0);

        var report = RunBesideExplanations(model, input, () =>
        {
            using var gradient = InputGradient(model, input);
            return Tensors.MaxAbsDifference(gradient, expected);
        });

        // Plain gradients, every time: a detached layer output would have aborted, a guided ReLU changed them.
        Assert.True(report.MaxDifference < 1e-6, $"max difference {report.MaxDifference}");
        Assert.True(report.Iterations >= 20, $"the other thread ran only {report.Iterations} times");
    }

    private static Tensor InputGradient(nn.Module<Tensor, Tensor> model, Tensor input)
    {
        using var scope = NewDisposeScope();
        using var enabled = enable_grad();
        var x = input.detach().requires_grad_(true);
        var output = model.call(x);
        return autograd.grad([output[.., 1].sum()], [x])[0].MoveToOuterDisposeScope();
    }

    /// <summary>Runs <paramref name="probe"/> on another thread while this one explains (Grad-CAM, the family, guided) until both have done enough.</summary>
    private static (double MaxDifference, int Iterations) RunBesideExplanations(SmallCnn model, Tensor input, Func<double> probe)
    {
        var stop = 0;
        var iterations = 0;
        var maxDifference = 0.0;
        Exception? failure = null;
        var other = new Thread(() =>
        {
            try
            {
                while (Volatile.Read(ref stop) == 0 || iterations < 20)
                {
                    maxDifference = Math.Max(maxDifference, probe());
                    iterations++;
                }
            }
            catch (Exception e)
            {
                failure = e;
            }
        });
        other.Start();
        var explainer = new CamExplainer(model, model.features);
        var guided = new GuidedBackpropagation(model);
        for (var i = 0; i < 25; i++)
        {
            using (explainer.Explain(input, [Methods.CamMethods.GradCam, Methods.CamMethods.LayerCam, Methods.CamMethods.AblationCam], CamTarget.Class(1)))
            {
            }

            using (guided.Explain(input, CamTarget.Class(1)))
            {
            }
        }

        Volatile.Write(ref stop, 1);
        other.Join();
        Assert.Null(failure);
        return (maxDifference, iterations);
    }
}
