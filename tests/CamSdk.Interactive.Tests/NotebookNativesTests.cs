using CamSdk.Internal;

namespace CamSdk.Tests;

/// <summary>
/// A notebook has no build to mark TorchSharp's <c>GLIBCXX_3.4.32</c> requirement weak, so CamSdk.Interactive does it
/// at run time: the same bytes as the build's patch, one flag and nothing else.
/// </summary>
public sealed class NotebookNativesTests
{
    /// <summary>TorchSharp's bindings as its package in the NuGet cache has them (unpatched).</summary>
    private static string PackageBindings()
    {
        var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } set
            ? set
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var version = typeof(TorchSharp.torch).Assembly.GetName().Version!.ToString(3);
        return Path.Combine(packages, "torchsharp", version, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
    }

    [Fact]
    public void TheRequirementIsMarkedWeakAndNothingElseChanges()
    {
        var original = File.ReadAllBytes(PackageBindings());
        var patched = (byte[])original.Clone();
        Assert.True(WeakVersionRequirement.Weaken(patched, WeakVersionRequirement.Glibcxx));
        // One Elf64_Vernaux flags field gains VER_FLG_WEAK (2): one byte differs, by that bit.
        var changed = Enumerable.Range(0, original.Length).Where(i => original[i] != patched[i]).ToArray();
        Assert.Single(changed);
        Assert.Equal(2, original[changed[0]] ^ patched[changed[0]]);
        // Again: nothing left to mark; a version the library does not require, or a file that is not ELF, is left alone.
        Assert.False(WeakVersionRequirement.Weaken(patched, WeakVersionRequirement.Glibcxx));
        Assert.False(WeakVersionRequirement.Weaken((byte[])original.Clone(), "GLIBCXX_9.9.99"));
        Assert.False(WeakVersionRequirement.Weaken("not a library, just some text long enough to be read as a header......"u8.ToArray(), WeakVersionRequirement.Glibcxx));
        // A header whose section table points past the end is refused, not read out of bounds.
        var cut = original[..4096];
        Assert.Throws<InvalidDataException>(() => WeakVersionRequirement.Weaken(cut, WeakVersionRequirement.Glibcxx));
    }

    [Fact]
    public void ThePatchIsTheBuildsWhereTheBuildPatches()
    {
        // The test host's own copy went through build/TorchSharpGlibcxx.targets: patched where this machine's libstdc++
        // lacks the version, as it is where the run-time patch is needed.
        var built = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "libLibTorchSharp.so"));
        var patched = File.ReadAllBytes(PackageBindings());
        var changed = WeakVersionRequirement.Weaken(patched, WeakVersionRequirement.Glibcxx);
        Assert.True(changed);
        if (WeakVersionRequirement.SystemProvides(WeakVersionRequirement.Glibcxx))
        {
            Assert.Equal(File.ReadAllBytes(PackageBindings()), built);
        }
        else
        {
            Assert.Equal(patched, built);
        }
    }

    [Fact]
    public void InAProcessWhoseTorchSharpIsLoadedNothingIsDone()
    {
        using var probe = TorchSharp.torch.zeros(1);
        Assert.Null(CamSdk.Interactive.NotebookNatives.Prepare());
    }
}
