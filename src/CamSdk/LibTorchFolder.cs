using System.Collections.Generic;

namespace CamSdk;

/// <summary>
/// A libtorch a user already has, as <see cref="LibTorch.Inspect"/> found it: its libraries, its version and where the
/// version was read, and whether it is a CUDA build.
/// </summary>
public sealed class LibTorchFolder
{
    internal LibTorchFolder(string folder, string version, string versionSource, bool hasCuda, IReadOnlyList<string> libraries)
    {
        Folder = folder;
        Version = version;
        VersionSource = versionSource;
        HasCuda = hasCuda;
        Libraries = libraries;
    }

    /// <summary>The folder that holds the libraries (a PyTorch installation's <c>torch/lib</c>, a libtorch distribution's <c>lib</c>).</summary>
    public string Folder { get; }

    /// <summary>The libtorch version, as its installation states it (e.g. <c>2.10.0+cu128</c>).</summary>
    public string Version { get; }

    /// <summary>The file the version was read from (<c>torch/version.py</c>, <c>libtorch/build-version</c>, a NuGet package's <c>.nuspec</c>).</summary>
    public string VersionSource { get; }

    /// <summary>Whether the folder holds libtorch's CUDA libraries (<c>libtorch_cuda</c>, <c>libc10_cuda</c>).</summary>
    public bool HasCuda { get; }

    /// <summary>The libraries CamSdk loads from the folder, in the order it loads them.</summary>
    public IReadOnlyList<string> Libraries { get; }

    /// <inheritdoc />
    public override string ToString() => $"libtorch {Version} ({(HasCuda ? "CUDA" : "CPU")}) in '{Folder}'";
}
