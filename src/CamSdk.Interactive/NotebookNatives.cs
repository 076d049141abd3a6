using System;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using CamSdk.Internal;

namespace CamSdk.Interactive;

/// <summary>
/// Makes TorchSharp's native library load in a notebook on Linux systems whose libstdc++ predates GCC 13 (Debian 12,
/// Ubuntu 22.04). The package's notebook extension calls <see cref="Prepare"/> when a notebook references it.
/// </summary>
/// <remarks>
/// <para>
/// TorchSharp 0.107's <c>libLibTorchSharp.so</c> requires <c>GLIBCXX_3.4.32</c>, which those systems' libstdc++ lacks,
/// although it calls nothing of that version. An application built with CamSdk gets a copy with that requirement marked
/// weak in its build output (<c>build/TorchSharpGlibcxx.targets</c>); a notebook has no build, and loads the package's
/// own copy from the NuGet cache, which fails. <see cref="Prepare"/> does what the build does, at run time: it writes a
/// copy with the requirement marked weak to CamSdk's cache folder (<c>$XDG_CACHE_HOME/camsdk/native</c>, else
/// <c>~/.cache/camsdk/native</c>), loads the NuGet cache's CPU libtorch (<c>libtorch-cpu-linux-x64</c>, which
/// <c>TorchSharp-cpu</c> brings) by its path, then that copy; TorchSharp's own loader then finds both already loaded.
/// </para>
/// <para>
/// It does nothing where TorchSharp loads as it is: not Linux, a libstdc++ that has <c>GLIBCXX_3.4.32</c>, TorchSharp
/// already loaded, or a notebook on a CUDA build of TorchSharp (<c>TorchSharp-cuda-linux</c>, whose libtorch is split
/// over several packages: set <c>CAMSDK_LIBTORCH</c> to a PyTorch installation's <c>torch/lib</c> and call
/// <see cref="LibTorch.UseFromEnvironment"/> first instead).
/// </para>
/// </remarks>
public static class NotebookNatives
{
    /// <summary>
    /// Loads TorchSharp's bindings with their <c>GLIBCXX_3.4.32</c> requirement marked weak where this system needs it.
    /// Call it before anything touches TorchSharp.
    /// </summary>
    /// <returns>What it did, in a sentence; null when nothing was needed.</returns>
    /// <exception cref="CamException">The NuGet cache lacks the CPU libtorch TorchSharp-cpu brings, or a library does not load (the loader's reason).</exception>
    public static string? Prepare()
    {
        if (!OperatingSystem.IsLinux() || LibTorch.LoadedFrom("LibTorchSharp") is not null || WeakVersionRequirement.SystemProvides(WeakVersionRequirement.Glibcxx)
            || AppDomain.CurrentDomain.GetAssemblies().Any(a => a.GetName().Name?.StartsWith("libtorch-cuda", StringComparison.Ordinal) == true))
        {
            return null;
        }

        // TorchSharp.dll sits in <packages>/torchsharp/<version>/lib/<framework>/; its bindings in runtimes/linux-x64/native.
        var torchSharp = typeof(TorchSharp.torch).Assembly.Location;
        var package = Directory.GetParent(torchSharp)?.Parent?.Parent;
        var bindings = package is null ? null : Path.Combine(package.FullName, "runtimes", "linux-x64", "native", LibTorch.FileName("LibTorchSharp"));
        if (bindings is null || !File.Exists(bindings))
        {
            return null;
        }

        if (LibTorch.Current is null && LibTorch.LoadedFrom("torch_cpu") is null)
        {
            var packages = package!.Parent!.Parent!.FullName;
            var libtorch = Path.Combine(packages, "libtorch-cpu-linux-x64");
            var native = Directory.Exists(libtorch)
                ? Directory.EnumerateDirectories(libtorch)
                    .Where(v => LibTorch.MajorMinor(Path.GetFileName(v)) == LibTorch.RequiredVersion)
                    .Select(v => Path.Combine(v, "runtimes", "linux-x64", "native"))
                    .FirstOrDefault(Directory.Exists)
                : null;
            if (native is null)
            {
                throw new CamException(
                    $"TorchSharp's native library needs {WeakVersionRequirement.Glibcxx}, which this system's libstdc++ lacks, and CamSdk can load a copy that does not, " +
                    $"on the CPU libtorch {LibTorch.RequiredVersion} that TorchSharp-cpu brings: '{libtorch}' has none. Reference it first: #r \"nuget: TorchSharp-cpu, 0.107.0\".");
            }

            LibTorch.Use(native);
        }

        var copy = WeakCopy(bindings, package!.Parent!.Name + "-" + package.Name);
        try
        {
            NativeLibrary.Load(copy);
        }
        catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
        {
            throw new CamException($"'{copy}' (TorchSharp's bindings with {WeakVersionRequirement.Glibcxx} marked weak) does not load: {e.Message.Split('\n')[0].Trim()}", e);
        }

        return $"This system's libstdc++ lacks {WeakVersionRequirement.Glibcxx}, which TorchSharp's native library asks for but does not use: CamSdk loaded a copy with that requirement marked weak ({copy}).";
    }

    /// <summary>The copy of <paramref name="bindings"/> with the requirement marked weak, in CamSdk's cache, written when missing or different.</summary>
    private static string WeakCopy(string bindings, string name)
    {
        var folder = Directory.CreateDirectory(Path.Combine(Shapes.ShapesNetTrainer.DefaultCacheDirectory, "native", name)).FullName;
        var copy = Path.Combine(folder, Path.GetFileName(bindings));
        var elf = File.ReadAllBytes(bindings);
        WeakVersionRequirement.Weaken(elf, WeakVersionRequirement.Glibcxx);
        if (!File.Exists(copy) || !File.ReadAllBytes(copy).AsSpan().SequenceEqual(elf))
        {
            // Written beside and moved into place, so that a notebook started at the same moment never loads half a file.
            var temporary = copy + "." + Guid.NewGuid().ToString("N") + ".tmp";
            File.WriteAllBytes(temporary, elf);
            File.Move(temporary, copy, overwrite: true);
        }

        return copy;
    }
}
