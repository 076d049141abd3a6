using BenchmarkDotNet.Running;
using CamSdk.Benchmarks;

// dotnet run -c Release --project benchmarks/CamSdk.Benchmarks -- --filter '*'   (BenchmarkDotNet)
// dotnet run -c Release --project benchmarks/CamSdk.Benchmarks -- peak          (peak memory, a process per run)
// dotnet run -c Release --project benchmarks/CamSdk.Benchmarks -- overlap       (decoding ahead or inline, interleaved)
// benchmarks/gpu/run.sh                                                         (on a GPU: the gpu verb, GpuCheck)
if (args is ["gpu", .. var gpu])
{
    // First, before anything touches TorchSharp: CAMSDK_LIBTORCH names the CUDA libtorch.
    return GpuCheck.Run(gpu);
}

if (args is ["peak", .. var rest])
{
    return PeakMemory.Run(rest);
}

if (args is ["overlap", .. var rounds])
{
    return OverlapComparison.Run(rounds);
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
