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
}
