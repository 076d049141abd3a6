using BenchmarkDotNet.Running;
using CamSdk.Benchmarks;

// dotnet run -c Release --project benchmarks/CamSdk.Benchmarks -- --filter '*'   (BenchmarkDotNet)
// dotnet run -c Release --project benchmarks/CamSdk.Benchmarks -- peak          (peak memory, a process per run)
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

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
