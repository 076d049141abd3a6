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

    /// <summary>Copies every tensor of <paramref name="to"/>'s state dict from the same key of <paramref name="from"/>'s.</summary>
    internal static void CopyStateDict(TorchSharp.torch.nn.Module from, TorchSharp.torch.nn.Module to)
    {
        using var noGrad = no_grad();
        var source = from.state_dict();
        foreach (var (key, tensor) in to.state_dict())
        {
            tensor.copy_(source[key]);
        }
    }

    internal static double[] ToDoubles(Tensor t)
    {
        using var scope = NewDisposeScope();
        return t.detach().to(float64).cpu().contiguous().data<double>().ToArray();
    }
}
