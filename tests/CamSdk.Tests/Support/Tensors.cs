using static TorchSharp.torch;

namespace CamSdk.Tests.Support;

internal static class Tensors
{
    /// <summary>The largest absolute elementwise difference.</summary>
    internal static double MaxAbsDifference(Tensor a, Tensor b)
    {
        Assert.Equal(a.shape, b.shape);
        using var scope = NewDisposeScope();
        return (a.detach().to(float64).cpu() - b.detach().to(float64).cpu()).abs().max().item<double>();
    }

    internal static double[] ToDoubles(Tensor t)
    {
        using var scope = NewDisposeScope();
        return t.detach().to(float64).cpu().contiguous().data<double>().ToArray();
    }
}
