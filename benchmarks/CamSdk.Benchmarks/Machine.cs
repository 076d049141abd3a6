using TorchSharp;

namespace CamSdk.Benchmarks;

/// <summary>The same native backend for every benchmark process, CamSdk's or not.</summary>
internal static class Machine
{
    /// <summary>
    /// Runs CamSdk's convolution-gradient check first and, where it finds oneDNN's gradients wrong, turns oneDNN off for
    /// the whole process, so that every benchmark of the process (hand-written baselines too) runs on the same kernels;
    /// prints what it found and the thread count.
    /// </summary>
    internal static void Prepare()
    {
        var check = NativeBackend.EnsureCorrectConvolutionGradients();
        Console.WriteLine($"// CamSdk native backend: {check}; torch threads: {torch.get_num_threads()}");
    }
}
