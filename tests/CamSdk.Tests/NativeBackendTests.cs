using CamSdk.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace CamSdk.Tests;

public sealed class NativeBackendTests
{
    [Fact]
    public void Float32ConvolutionGradientsAgreeWithFloat64OnEveryCall()
    {
        // On machines where libtorch's oneDNN convolution backward is wrong, NativeBackend switched it off at start-up.
        _ = NativeBackend.EnsureCorrectConvolutionGradients(); // the gradients below are the test
        manual_seed(97);
        var model = new TinyGuidedNet();
        using var input = randn(2, 1, 7, 7);
        var reference = new TinyGuidedNet();
        Tensors.CopyStateDict(model, reference);
        reference.to(float64);
        using var expected = Gradient(reference, input.to(float64));
        for (var i = 0; i < 20; i++)
        {
            using var actual = Gradient(model, input);
            Assert.True(Tensors.MaxAbsDifference(actual.to(float64), expected) < 1e-6 * expected.abs().max().item<double>() + 1e-9);
        }
    }

    private static Tensor Gradient(nn.Module<Tensor, Tensor> model, Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = input.detach().requires_grad_(true);
        var y = model.call(x);
        return autograd.grad([(y * y).sum()], [x])[0].MoveToOuterDisposeScope();
    }

    [Fact]
    public void WhatCamSdkReachesInsideTorchSharpAndLibtorchIsAllThere()
    {
        // Fails with the missing pieces named, on a TorchSharp other than the one CamSdk was written for.
        Assert.Empty(Internal.TorchSharpInternals.Problems());
        var flags = Internal.TorchSharpInternals.BackendFlags();
        var before = NativeBackend.OneDnnEnabled;
        try
        {
            NativeBackend.OneDnnEnabled = !before;
            Assert.Equal(!before, Internal.TorchSharpInternals.BackendFlags().Mkldnn);
        }
        finally
        {
            NativeBackend.OneDnnEnabled = before;
        }

        Assert.Equal(flags, Internal.TorchSharpInternals.BackendFlags());
    }
}
