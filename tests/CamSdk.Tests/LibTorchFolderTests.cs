using CamSdk.Tests.Support;

namespace CamSdk.Tests;

/// <summary>
/// <see cref="LibTorch.Inspect"/> on the ways users hold a libtorch (a PyTorch installation, a libtorch distribution,
/// TorchSharp's package in the NuGet cache), with its version check, and <see cref="LibTorch.Use"/>'s refusals that need
/// no second process. Loading a libtorch for real is tested in a separate process (IntegrationTests, OwnLibTorchTests).
/// </summary>
public sealed class LibTorchFolderTests : IDisposable
{
    private readonly TemporaryFolder _folder = new("camsdk-libtorch-");

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void APyTorchInstallationIsFoundFromTorchOrTorchLibWithItsVersionAndCuda()
    {
        var lib = Installation("torch/lib", cuda: true);
        File.WriteAllText(Path.Combine(_folder.Path, "torch", "version.py"), "from typing import Optional\n\n__all__ = ['__version__']\n__version__ = '2.10.0+cu128'\ncuda: Optional[str] = '12.8'\n");
        foreach (var given in new[] { lib, Path.Combine(_folder.Path, "torch") })
        {
            var found = LibTorch.Inspect(given);
            Assert.Equal(lib, found.Folder);
            Assert.Equal("2.10.0+cu128", found.Version);
            Assert.Equal(Path.Combine(_folder.Path, "torch", "version.py"), found.VersionSource);
            Assert.True(found.HasCuda);
            Assert.Equal(["c10", "torch_cpu", "c10_cuda", "torch_cuda", "torch"], found.Libraries.Select(l => Path.GetFileName(l)).Select(Stem));
            Assert.Equal($"libtorch 2.10.0+cu128 (CUDA) in '{lib}'", found.ToString());
        }
    }

    [Fact]
    public void ALibTorchDistributionGivesItsBuildVersion()
    {
        var lib = Installation("libtorch/lib", cuda: false);
        File.WriteAllText(Path.Combine(_folder.Path, "libtorch", "build-version"), "2.10.0+cpu\n");
        var found = LibTorch.Inspect(Path.Combine(_folder.Path, "libtorch"));
        Assert.Equal(("2.10.0+cpu", false, 3), (found.Version, found.HasCuda, found.Libraries.Count));
    }

    [Fact]
    public void AnotherVersionIsRefusedWithTheOneTorchSharpNeeds()
    {
        var lib = Installation("libtorch/lib", cuda: false);
        File.WriteAllText(Path.Combine(_folder.Path, "libtorch", "build-version"), "2.9.1+cpu");
        var error = Assert.Throws<CamException>(() => LibTorch.Inspect(lib)).Message;
        Assert.StartsWith($"The libtorch in '{lib}' is version 2.9.1+cpu (from {Path.Combine(_folder.Path, "libtorch", "build-version")}), but TorchSharp 0.107 is built for libtorch 2.10", error);
        Assert.Contains("pip install \"torch==2.10.*\"", error);
    }

    [Fact]
    public void AFolderThatDoesNotSayItsVersionIsRefusedWithHowToSayIt()
    {
        var lib = Installation("lib", cuda: false);
        var error = Assert.Throws<CamException>(() => LibTorch.Inspect(lib)).Message;
        Assert.Contains("does not say which version it is", error);
        Assert.Contains($"a file named 'build-version' in '{lib}'", error);
        File.WriteAllText(Path.Combine(lib, "build-version"), "2.10.0");
        Assert.Equal("2.10.0", LibTorch.Inspect(lib).Version);
    }

    [Fact]
    public void AMissingEmptyOrIncompleteFolderIsRefused()
    {
        Assert.Contains("does not exist", Assert.Throws<CamException>(() => LibTorch.Inspect(Path.Combine(_folder.Path, "nowhere"))).Message);
        Assert.Contains($"holds no libtorch: neither it nor its 'lib' folder has {LibTorch.FileName("torch_cpu")}", Assert.Throws<CamException>(() => LibTorch.Inspect(_folder.Path)).Message);
        var lib = Installation("lib", cuda: false);
        File.Delete(Path.Combine(lib, LibTorch.FileName("c10")));
        Assert.Contains($"incomplete: {LibTorch.FileName("c10")} missing", Assert.Throws<CamException>(() => LibTorch.Inspect(lib)).Message);
    }

    [LinuxFact]
    public void TorchSharpsPackageInTheNuGetCacheGivesItsNuspecVersion()
    {
        var cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } packages ? packages : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var native = Path.Combine(cache, "libtorch-cpu-linux-x64", "2.10.0", "runtimes", "linux-x64", "native");
        Assert.True(Directory.Exists(native), $"The restore put libtorch-cpu-linux-x64 2.10.0 in the NuGet cache ({native}).");
        var found = LibTorch.Inspect(native);
        Assert.Equal(("2.10.0", false), (found.Version, found.HasCuda));
        Assert.EndsWith("libtorch-cpu-linux-x64.nuspec", found.VersionSource);
        Assert.Equal(LibTorch.RequiredVersion, LibTorch.MajorMinor(TorchSharp.torch.__version__));
    }

    [OwnLibTorchFact]
    public void UseRefusesOnceTorchSharpHasLoadedAnotherLibTorch()
    {
        // This test process runs on its own libtorch (TorchSharp-cpu), loaded by the tests before this one or here.
        using (var warm = TorchSharp.torch.zeros(1))
        {
            Assert.Equal(1, warm.numel());
        }

        var lib = Installation("torch/lib", cuda: false);
        File.WriteAllText(Path.Combine(lib, "build-version"), "2.10.0");
        var error = Assert.Throws<CamException>(() => LibTorch.Use(lib)).Message;
        Assert.StartsWith("TorchSharp has already loaded libtorch from '", error);
        Assert.Contains("call LibTorch.Use (or set CAMSDK_LIBTORCH) first in Main", error);
        Assert.Null(LibTorch.Current);
        Assert.NotNull(LibTorch.OwnLibTorch(lib));
    }

    private static string Stem(string file) => Path.GetFileNameWithoutExtension(file).StartsWith("lib", StringComparison.Ordinal) && !OperatingSystem.IsWindows()
        ? Path.GetFileNameWithoutExtension(file)[3..]
        : Path.GetFileNameWithoutExtension(file);

    /// <summary>A folder of empty files named as libtorch's libraries (nothing is loaded from them).</summary>
    private string Installation(string relative, bool cuda)
    {
        var lib = Path.Combine(_folder.Path, relative);
        Directory.CreateDirectory(lib);
        foreach (var name in cuda ? new[] { "c10", "torch_cpu", "torch", "c10_cuda", "torch_cuda" } : ["c10", "torch_cpu", "torch"])
        {
            File.WriteAllBytes(Path.Combine(lib, LibTorch.FileName(name)), []);
        }

        return lib;
    }
}
