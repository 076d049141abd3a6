using CamSdk.Shapes;
using CamSdk.Tests.Support;

namespace CamSdk.Tests;

/// <summary>Where ShapesNet trains: the device is part of what its cached weights depend on, and checked before any work.</summary>
public sealed class TrainingDeviceTests
{
    [Fact]
    public void ACudaDeviceIsCachedApartAndTheCpuKeyIsUnchanged()
    {
        var cpu = new ShapesTrainingOptions();
        Assert.DoesNotContain("device", cpu.Configuration, StringComparison.Ordinal);
        Assert.Equal(ShapesNetTrainer.CacheKey(cpu), ShapesNetTrainer.CacheKey(cpu with { Device = "CPU" }));
        Assert.EndsWith(";device=cuda", (cpu with { Device = "cuda:1" }).Configuration, StringComparison.Ordinal);
        Assert.NotEqual(ShapesNetTrainer.CacheKey(cpu), ShapesNetTrainer.CacheKey(cpu with { Device = "cuda" }));
        Assert.Equal(ShapesNetTrainer.CacheKey(cpu with { Device = "cuda" }), ShapesNetTrainer.CacheKey(cpu with { Device = "cuda:1" }));
    }

    [Fact]
    public void AutoOrNoDeviceIsRefused()
    {
        Assert.Contains("resolve 'auto' with Devices.Resolve", Assert.Throws<ArgumentException>(() => ShapesNetTrainer.TrainOrLoad(new ShapesTrainingOptions { Device = "auto" })).Message);
        Assert.Throws<ArgumentException>(() => ShapesNetTrainer.TrainOrLoad(new ShapesTrainingOptions { Device = " " }));
    }

    [NoCudaFact]
    public void CudaWithoutCudaSaysWhyBeforeTraining()
    {
        using var folder = new TemporaryFolder("camsdk-training-device-");
        var error = Assert.Throws<CamException>(() => ShapesNetTrainer.TrainOrLoad(new ShapesTrainingOptions { Device = "cuda", CacheDirectory = folder.Path }));
        Assert.Contains("Device 'cuda': the libtorch this process runs is a CPU build", error.Message);
        Assert.Empty(Directory.GetFiles(folder.Path));
    }

    [CudaFact]
    public void CudaRunsTheMainJobInMiniature()
    {
        // Training, localisation, faithfulness, the sanity checks and the shortcut study, all on the GPU.
        using var folder = new TemporaryFolder("camsdk-cuda-mainjob-");
        var job = TinyMainJob.JobOptions(Path.Combine(folder.Path, "cache"));
        var result = ShapesMainJob.Run(job with { Training = job.Training with { Device = "cuda" } });
        try
        {
            Assert.Equal(TorchSharp.DeviceType.CUDA, result.Trained.Model.parameters().First().device_type);
            var (html, metrics) = result.Report.WriteTo(Path.Combine(folder.Path, "out"));
            Assert.True(File.Exists(html));
            Assert.DoesNotContain("NaN", File.ReadAllText(metrics), StringComparison.Ordinal);
        }
        finally
        {
            result.Trained.Dispose();
            result.Shuffled?.Dispose();
            result.Watermarked?.Dispose();
        }
    }
}
