using BenchmarkDotNet.Running;

// dotnet run -c Release --project benchmarks/CamSdk.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
