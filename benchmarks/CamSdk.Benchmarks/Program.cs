using BenchmarkDotNet.Running;
using CamSdk.Benchmarks;

// dotnet run -c Release --project benchmarks/CamSdk.Benchmarks -- --filter '*'   (BenchmarkDotNet)
// dotnet run -c Release --project benchmarks/CamSdk.Benchmarks -- peak          (peak memory, a process per run)
if (args is ["peak", .. var rest])
{
    return PeakMemory.Run(rest);
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
