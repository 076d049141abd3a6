using TorchSharp;

namespace CamSdk.Benchmarks;

/// <summary>The same native backend for every benchmark process, CamSdk's or not.</summary>
internal static class Machine
{
    /// <summary>
    /// Runs CamSdk's convolution-gradient check first, so that a machine where it turns oneDNN off runs every benchmark
    /// (hand-written baselines too) on the same kernels; prints what it found and the thread count.
    /// </summary>
    internal static void Prepare()
    {
        var check = NativeBackend.EnsureCorrectConvolutionGradients();
        Console.WriteLine($"// CamSdk native backend: {check}; torch threads: {torch.get_num_threads()}");
    }
}
