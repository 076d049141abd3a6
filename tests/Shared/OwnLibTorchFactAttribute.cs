using TorchSharp;

namespace CamSdk.Tests.Support;

/// <summary>
/// A fact about the test host's own libtorch (TorchSharp-cpu's): skipped, with the reason, where CAMSDK_LIBTORCH names
/// another (the GPU check builds the tests on TorchSharp alone), and, with <see cref="CpuOnly"/>, where CUDA is available.
/// </summary>
public sealed class OwnLibTorchFactAttribute : FactAttribute
{
    public OwnLibTorchFactAttribute(bool cpuOnly = false)
    {
        CpuOnly = cpuOnly;
        if (!string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(LibTorch.FolderVariable)))
        {
            Skip = $"This test is about the test host's own libtorch; {LibTorch.FolderVariable} names another.";
        }
        else if (cpuOnly && torch.cuda.is_available())
        {
            Skip = "This test is about a machine without CUDA.";
        }
    }

    /// <summary>Whether the test also needs a machine without CUDA.</summary>
    public bool CpuOnly { get; }
}
