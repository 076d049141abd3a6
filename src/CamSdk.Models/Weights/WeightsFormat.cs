namespace CamSdk.Models;

/// <summary>The formats of weights files that <see cref="ModelWeights"/> reads, recognised by content, not by extension.</summary>
public enum WeightsFormat
{
    /// <summary>What PyTorch's <c>torch.save(model.state_dict(), path)</c> writes (a zip archive; <c>.pth</c>/<c>.pt</c>), also a checkpoint holding the state dict under <c>state_dict</c> or <c>model</c>.</summary>
    PyTorch,

    /// <summary>A <c>.safetensors</c> file (F32, F16, BF16 and other types, converted to the model's).</summary>
    Safetensors,

    /// <summary>TorchSharp's own format, written by <c>Module.save</c> or PyTorch's <c>exportsd.py</c> (<c>.dat</c>).</summary>
    TorchSharp,
}
