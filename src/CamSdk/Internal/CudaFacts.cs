using System;
using System.Runtime.InteropServices;
using TorchSharp;

namespace CamSdk.Internal;

/// <summary>
/// What this process knows about CUDA: whether libtorch reports it, how many devices, which libtorch is loaded (a CUDA
/// build or not), whether the NVIDIA driver's library is present. <see cref="Devices"/> turns them into a choice or an
/// error that says why CUDA is not there; tests give made-up facts.
/// </summary>
internal sealed record CudaFacts(bool Available, int DeviceCount, string? CpuLibrary, string? CudaLibrary, bool DriverFound, string? VisibleDevices, string? LibTorchVariable)
{
    /// <summary>This process's facts (initialises TorchSharp).</summary>
    internal static CudaFacts OfThisProcess()
    {
        var available = torch.cuda.is_available();
        return new CudaFacts(
            available,
            available ? torch.cuda.device_count() : 0,
            LibTorch.LoadedFrom("torch_cpu"),
            LibTorch.LoadedFrom("torch_cuda"),
            DriverPresent(),
            Environment.GetEnvironmentVariable("CUDA_VISIBLE_DEVICES"),
            Environment.GetEnvironmentVariable(LibTorch.FolderVariable));
    }

    private static bool DriverPresent()
    {
        var name = OperatingSystem.IsWindows() ? "nvcuda.dll" : OperatingSystem.IsLinux() ? "libcuda.so.1" : null;
        if (name is null || !NativeLibrary.TryLoad(name, out var handle))
        {
            return false;
        }

        NativeLibrary.Free(handle);
        return true;
    }
}
