using CamSdk.Internal;
using CamSdk.Tests.Support;
using TorchSharp;

namespace CamSdk.Tests;

/// <summary>
/// <see cref="Devices"/>: which device a name means, and why CUDA is missing when it is asked for, from made-up facts
/// about the process (a CUDA machine, a CPU build, no driver, a hidden GPU), and from this machine's real ones.
/// </summary>
public sealed class DeviceSelectionTests
{
    private const string CpuLibrary = "/app/runtimes/linux-x64/native/libtorch_cpu.so";
    private const string CudaLibrary = "/opt/torch/lib/libtorch_cuda.so";

    private static readonly CudaFacts TwoGpus = new(true, 2, "/opt/torch/lib/libtorch_cpu.so", CudaLibrary, true, null, "/opt/torch/lib");
    private static readonly CudaFacts CpuBuild = new(false, 0, CpuLibrary, null, false, null, null);
    private static readonly CudaFacts NoDriver = new(false, 0, "/opt/torch/lib/libtorch_cpu.so", CudaLibrary, false, null, "/opt/torch/lib");
    private static readonly CudaFacts HiddenGpu = new(false, 0, "/opt/torch/lib/libtorch_cpu.so", CudaLibrary, true, "", "/opt/torch/lib");

    [Fact]
    public void CpuIsTheCpuWhateverTheFacts()
    {
        Assert.Equal(DeviceType.CPU, Devices.Choose(" CPU ", TwoGpus).Device.type);
        Assert.Equal(DeviceType.CPU, Devices.Resolve("cpu").Device.type);
    }

    [Fact]
    public void CudaAndCudaNChooseThatDeviceWhereItExists()
    {
        var first = Devices.Choose("cuda", TwoGpus);
        Assert.Equal((DeviceType.CUDA, 0L), (first.Device.type, first.Device.index));
        var second = Devices.Choose("cuda:1", TwoGpus);
        Assert.Equal((DeviceType.CUDA, 1L), (second.Device.type, second.Device.index));
        Assert.Equal("cuda:1", second.Description);
    }

    [Fact]
    public void AutoTakesCudaWhenAvailableAndSaysWhy()
    {
        var gpu = Devices.Choose("auto", TwoGpus);
        Assert.Equal((DeviceType.CUDA, 0L), (gpu.Device.type, gpu.Device.index));
        Assert.Equal("cuda:0 (auto: CUDA is available, 2 devices)", gpu.Description);
        Assert.Equal("cpu (auto: the libtorch this process runs is a CPU build)", Devices.Choose("AUTO", CpuBuild).Description);
        Assert.Equal("cpu (auto: no NVIDIA driver)", Devices.Choose("auto", NoDriver).Description);
        Assert.Equal("cpu (auto: no visible GPU)", Devices.Choose("auto", HiddenGpu).Description);
        Assert.All(new[] { CpuBuild, NoDriver, HiddenGpu }, facts => Assert.Equal(DeviceType.CPU, Devices.Choose("auto", facts).Device.type));
    }

    [Fact]
    public void CudaOnACpuBuildSaysWhatWasTriedAndHowToGetCuda()
    {
        var error = Assert.Throws<CamException>(() => Devices.Choose("cuda", CpuBuild)).Message;
        Assert.StartsWith("Device 'cuda': the libtorch this process runs is a CPU build: no libtorch_cuda is loaded.", error);
        Assert.Contains("Tried: the application's own libtorch ('/app/runtimes/linux-x64/native'; CAMSDK_LIBTORCH is not set)", error);
        Assert.Contains("TorchSharp-cuda-linux", error);
        Assert.Contains("CAMSDK_LIBTORCH at a CUDA libtorch 2.10", error);
        Assert.Contains("-p:CamSdkLibTorch=external", error);

        // With CAMSDK_LIBTORCH set to a CPU libtorch, the message names it.
        var named = Assert.Throws<CamException>(() => Devices.Choose("cuda:0", CpuBuild with { LibTorchVariable = "/home/me/torch/lib" })).Message;
        Assert.Contains("Tried: CAMSDK_LIBTORCH='/home/me/torch/lib'.", named);
    }

    [LinuxFact]
    public void CudaWithoutTheDriverNamesTheDriversLibrary()
    {
        var error = Assert.Throws<CamException>(() => Devices.Choose("cuda", NoDriver)).Message;
        Assert.Equal(
            "Device 'cuda': libtorch_cuda is loaded from '/opt/torch/lib', but the NVIDIA driver is not: libcuda.so.1 was not found. " +
            "Install the NVIDIA driver for the GPU (nvidia-smi should list it); in a container, run it with the GPU passed through (docker run --gpus all).",
            error);
    }

    [Fact]
    public void CudaWithTheDriverButNoVisibleGpuSaysSo()
    {
        var error = Assert.Throws<CamException>(() => Devices.Choose("cuda", HiddenGpu)).Message;
        Assert.Contains("the NVIDIA driver is present, but CUDA reports no usable GPU (CUDA_VISIBLE_DEVICES='' hides the others)", error);
        Assert.DoesNotContain("CUDA_VISIBLE_DEVICES", Assert.Throws<CamException>(() => Devices.Choose("cuda", HiddenGpu with { VisibleDevices = null })).Message);
    }

    [Fact]
    public void ACudaIndexBeyondTheDevicesNamesTheDevicesThereAre()
    {
        Assert.Equal("Device 'cuda:2': this machine has 2 CUDA devices (cuda:0 to cuda:1).", Assert.Throws<CamException>(() => Devices.Choose("cuda:2", TwoGpus)).Message);
        Assert.Equal("Device 'cuda:1': this machine has 1 CUDA device (cuda:0), as CUDA_VISIBLE_DEVICES='3' shows them.",
            Assert.Throws<CamException>(() => Devices.Choose("cuda:1", TwoGpus with { DeviceCount = 1, VisibleDevices = "3" })).Message);
    }

    [Theory]
    [InlineData("gpu")]
    [InlineData("cuda:")]
    [InlineData("cuda:-1")]
    [InlineData("cuda:x")]
    [InlineData("cuda0")]
    [InlineData("")]
    public void AnUnknownNameListsTheNames(string name)
    {
        Assert.Equal($"Unknown device '{name}': use cpu, cuda, cuda:N or auto.", Assert.Throws<CamException>(() => Devices.Choose(name, TwoGpus)).Message);
    }

    [OwnLibTorchFact(cpuOnly: true)]
    public void ThisMachinesFactsAreACpuBuildOfItsOwnLibTorch()
    {
        var facts = CudaFacts.OfThisProcess();
        Assert.False(facts.Available);
        Assert.Null(facts.CudaLibrary);
        Assert.NotNull(facts.CpuLibrary);
        Assert.Equal(LibTorch.FileName("torch_cpu"), Path.GetFileName(facts.CpuLibrary));
        Assert.Equal("cpu (auto: the libtorch this process runs is a CPU build)", Devices.Resolve("auto").Description);
        var error = Assert.Throws<CamException>(() => Devices.Resolve("cuda")).Message;
        Assert.Contains($"Tried: the application's own libtorch ('{Path.GetDirectoryName(facts.CpuLibrary)}'", error);
    }
}
