using TorchSharp;

namespace CamSdk;

/// <summary>The device <see cref="Devices.Resolve"/> chose, with the reason in words (for a log line or a CLI's output).</summary>
public sealed class DeviceChoice
{
    internal DeviceChoice(torch.Device device, string description)
    {
        Device = device;
        Description = description;
    }

    /// <summary>The device: CPU, or a CUDA device with its index.</summary>
    public torch.Device Device { get; }

    /// <summary>Which device and why, e.g. "cuda:0 (auto: CUDA is available, 2 devices)" or "cpu (auto: the libtorch this process runs is a CPU build)".</summary>
    public string Description { get; }

    /// <inheritdoc />
    public override string ToString() => Description;
}
