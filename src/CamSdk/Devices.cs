using System;
using System.Globalization;
using System.IO;
using CamSdk.Internal;
using TorchSharp;

namespace CamSdk;

/// <summary>
/// Chooses the device to explain on from a name, <c>cpu</c>, <c>cuda</c>, <c>cuda:N</c> or <c>auto</c>, and says why CUDA
/// is not there when it is asked for and missing (no CUDA libtorch, no driver, no visible GPU, an index too high).
/// </summary>
/// <remarks>
/// A process runs on the libtorch its application carries (TorchSharp-cpu: CPU only; TorchSharp-cuda-linux or
/// TorchSharp-cuda-windows: CPU and CUDA) or on one the user names with <see cref="LibTorch.Use"/>; call that first.
/// </remarks>
public static class Devices
{
    /// <summary>The names <see cref="Resolve"/> takes, for messages and help texts.</summary>
    public const string Names = "cpu, cuda, cuda:N or auto";

    /// <summary>
    /// The device a name means in this process: <c>cpu</c>; <c>cuda</c> (device 0) or <c>cuda:N</c>, when CUDA is available
    /// and has that device; <c>auto</c>, CUDA's device 0 when CUDA is available, else the CPU.
    /// </summary>
    /// <param name="name">The device's name (case and surrounding spaces ignored).</param>
    /// <returns>The device and, in words, why.</returns>
    /// <exception cref="CamException">An unknown name; CUDA asked for where it is not available (the message says why and how to get it); a CUDA index beyond the devices.</exception>
    public static DeviceChoice Resolve(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var lower = name.Trim().ToLowerInvariant();
        return lower == "cpu" ? new DeviceChoice(torch.CPU, "cpu") : Choose(name, CudaFacts.OfThisProcess());
    }

    internal static DeviceChoice Choose(string name, CudaFacts facts)
    {
        var lower = name.Trim().ToLowerInvariant();
        switch (lower)
        {
            case "cpu":
                return new DeviceChoice(torch.CPU, "cpu");
            case "auto":
                return facts.Available
                    ? new DeviceChoice(new torch.Device(DeviceType.CUDA, 0), $"cuda:0 (auto: CUDA is available, {Plural(facts.DeviceCount, "device")})")
                    : new DeviceChoice(torch.CPU, $"cpu (auto: {WhyNoCuda(facts, brief: true)})");
        }

        int index;
        if (lower == "cuda")
        {
            index = 0;
        }
        else if (!lower.StartsWith("cuda:", StringComparison.Ordinal) || !int.TryParse(lower.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out index))
        {
            throw new CamException($"Unknown device '{name}': use {Names}.");
        }

        if (!facts.Available)
        {
            throw new CamException($"Device '{name}': {WhyNoCuda(facts, brief: false)}");
        }

        return index < facts.DeviceCount
            ? new DeviceChoice(new torch.Device(DeviceType.CUDA, index), $"cuda:{index}")
            : throw new CamException(
                $"Device '{name}': this machine has {Plural(facts.DeviceCount, "CUDA device")} (cuda:0{(facts.DeviceCount > 1 ? $" to cuda:{facts.DeviceCount - 1}" : string.Empty)})" +
                (facts.VisibleDevices is { } visible ? $", as CUDA_VISIBLE_DEVICES='{visible}' shows them." : "."));
    }

    /// <summary>Why CUDA is not available, from the most basic missing piece up, and (unless brief) how to get it.</summary>
    internal static string WhyNoCuda(CudaFacts facts, bool brief)
    {
        if (facts.CudaLibrary is null)
        {
            var from = facts.CpuLibrary is { } cpu ? $"'{Path.GetDirectoryName(cpu)}'" : "the application's own libraries";
            var tried = facts.LibTorchVariable is { Length: > 0 } variable ? $"{LibTorch.FolderVariable}='{variable}'" : $"the application's own libtorch ({from}; {LibTorch.FolderVariable} is not set)";
            return brief
                ? "the libtorch this process runs is a CPU build"
                : $"the libtorch this process runs is a CPU build: no libtorch_cuda is loaded. Tried: {tried}. To use a GPU, build the application with TorchSharp-cuda-linux " +
                  $"(TorchSharp-cuda-windows on Windows) 0.107.0 instead of TorchSharp-cpu, or point {LibTorch.FolderVariable} at a CUDA libtorch {LibTorch.RequiredVersion} " +
                  "(a PyTorch installation's torch/lib) from an application built on TorchSharp alone (the camsdk tool: -p:CamSdkLibTorch=external). README.md, \"CUDA\", says more.";
        }

        var where = $"libtorch_cuda is loaded from '{Path.GetDirectoryName(facts.CudaLibrary)}'";
        if (!facts.DriverFound)
        {
            return brief
                ? "no NVIDIA driver"
                : $"{where}, but the NVIDIA driver is not: {(OperatingSystem.IsWindows() ? "nvcuda.dll" : "libcuda.so.1")} was not found. Install the NVIDIA driver for the GPU (nvidia-smi should list it); in a container, run it with the GPU passed through (docker run --gpus all).";
        }

        return brief
            ? "no visible GPU"
            : $"{where} and the NVIDIA driver is present, but CUDA reports no usable GPU" +
              (facts.VisibleDevices is { } visible ? $" (CUDA_VISIBLE_DEVICES='{visible}' hides the others)" : string.Empty) +
              ". Check nvidia-smi; the driver may be older than the CUDA 12.8 that libtorch 2.10's CUDA build needs.";
    }

    private static string Plural(int count, string noun) => count == 1 ? $"1 {noun}" : $"{count} {noun}s";
}
