using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using System.Threading;

namespace CamSdk;

/// <summary>
/// Runs CamSdk, and TorchSharp under it, on a libtorch the user already has: a PyTorch installation's <c>torch/lib</c>
/// folder (a CUDA build, for a GPU), a libtorch distribution, or TorchSharp's own libtorch packages in the NuGet cache.
/// </summary>
/// <remarks>
/// <para>
/// The application must reference <c>TorchSharp</c> alone, not <c>TorchSharp-cpu</c> or <c>TorchSharp-cuda-*</c>, which
/// carry a libtorch of their own: two copies of libtorch in one process register the same operators twice, and libtorch
/// aborts the process. <see cref="Use"/> checks this and refuses with that reason (for the <c>camsdk</c> tool, build it
/// with <c>-p:CamSdkLibTorch=external</c>).
/// </para>
/// <para>
/// Call <see cref="Use"/> (or <see cref="UseFromEnvironment"/>, which reads <see cref="FolderVariable"/>) first in
/// <c>Main</c>, before anything touches TorchSharp: libtorch is loaded once per process, by the first TorchSharp call.
/// CamSdk loads the folder's libraries by their paths; TorchSharp's own loader then finds them already loaded.
/// </para>
/// </remarks>
public static class LibTorch
{
    /// <summary>The environment variable that names a libtorch folder for <see cref="UseFromEnvironment"/>: <c>CAMSDK_LIBTORCH</c>.</summary>
    public const string FolderVariable = "CAMSDK_LIBTORCH";

    /// <summary>The libtorch version (major.minor) that TorchSharp 0.107's native bindings were built against.</summary>
    public const string RequiredVersion = "2.10";

    private static readonly Lock Gate = new();
    private static LibTorchFolder? _used;

    /// <summary>The libtorch <see cref="Use"/> loaded in this process, or null when TorchSharp loads its own.</summary>
    public static LibTorchFolder? Current
    {
        get
        {
            lock (Gate)
            {
                return _used;
            }
        }
    }

    /// <summary>
    /// Finds the libtorch in a folder and its version, without loading anything.
    /// </summary>
    /// <param name="folder">The folder of libtorch's libraries, or the folder above it (<c>torch</c>, <c>libtorch</c>) that has them in <c>lib</c>.</param>
    /// <returns>What the folder holds.</returns>
    /// <exception cref="CamException">The folder is missing or holds no libtorch; its version cannot be read or is not <see cref="RequiredVersion"/>.</exception>
    public static LibTorchFolder Inspect(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        var given = Path.GetFullPath(folder);
        if (!Directory.Exists(given))
        {
            throw new CamException($"The libtorch folder '{folder}' does not exist. {WhereToFind}");
        }

        var lib = new[] { given, Path.Combine(given, "lib") }.FirstOrDefault(f => File.Exists(Path.Combine(f, FileName("torch_cpu"))));
        if (lib is null)
        {
            throw new CamException(
                $"'{folder}' holds no libtorch: neither it nor its 'lib' folder has {FileName("torch_cpu")}. {WhereToFind}");
        }

        var missing = new[] { "c10", "torch" }.Select(FileName).Where(f => !File.Exists(Path.Combine(lib, f))).ToArray();
        if (missing.Length > 0)
        {
            throw new CamException($"The libtorch in '{lib}' is incomplete: {string.Join(" and ", missing)} missing beside {FileName("torch_cpu")}.");
        }

        var hasCuda = File.Exists(Path.Combine(lib, FileName("torch_cuda")));
        var (version, source) = ReadVersion(lib) ?? throw new CamException(
            $"The libtorch in '{lib}' does not say which version it is (no torch/version.py, build-version or NuGet .nuspec beside it), " +
            $"and TorchSharp 0.107 runs only on libtorch {RequiredVersion}. If it is {RequiredVersion}, say so in a file named 'build-version' in '{lib}' holding its version (e.g. 2.10.0).");
        if (MajorMinor(version) != RequiredVersion)
        {
            throw new CamException(
                $"The libtorch in '{lib}' is version {version} (from {source}), but TorchSharp 0.107 is built for libtorch {RequiredVersion}: its native calls would not match. " +
                $"Use a libtorch {RequiredVersion} (a PyTorch {RequiredVersion} installation's torch/lib, e.g. pip install \"torch=={RequiredVersion}.*\"), or TorchSharp's own packages (TorchSharp-cpu, TorchSharp-cuda-linux 0.107.0).");
        }

        string[] names = hasCuda ? ["c10", "torch_cpu", "c10_cuda", "torch_cuda", "torch"] : ["c10", "torch_cpu", "torch"];
        var libraries = names.Select(n => Path.Combine(lib, FileName(n))).Where(File.Exists).ToArray();
        return new LibTorchFolder(lib, version, source, hasCuda, libraries);
    }

    /// <summary>
    /// Loads the libtorch in <paramref name="folder"/> for this process, so that TorchSharp runs on it.
    /// </summary>
    /// <param name="folder">The folder of libtorch's libraries, or the folder above it that has them in <c>lib</c>.</param>
    /// <returns>What was loaded.</returns>
    /// <exception cref="CamException">
    /// The folder is not a libtorch <see cref="RequiredVersion"/> (see <see cref="Inspect"/>); TorchSharp has already loaded
    /// another libtorch in this process; the application carries its own libtorch; or a library fails to load (the
    /// message gives the loader's reason, such as a missing CUDA runtime).
    /// </exception>
    public static LibTorchFolder Use(string folder)
    {
        var found = Inspect(folder);
        lock (Gate)
        {
            if (_used is not null)
            {
                return SameFolder(_used.Folder, found.Folder)
                    ? _used
                    : throw new CamException($"This process already runs on {_used}; it cannot change to '{found.Folder}'. Start a new process.");
            }

            if (LoadedFrom("torch_cpu") is { } loaded)
            {
                if (!SameFolder(Path.GetDirectoryName(loaded)!, found.Folder))
                {
                    throw new CamException(
                        $"TorchSharp has already loaded libtorch from '{Path.GetDirectoryName(loaded)}' in this process, so '{found.Folder}' cannot be used: " +
                        $"call LibTorch.Use (or set {FolderVariable}) first in Main, before anything touches TorchSharp.");
                }
            }
            else
            {
                if (OwnLibTorch(found.Folder) is { } own)
                {
                    throw new CamException(
                        $"This application carries its own libtorch ('{own}', from TorchSharp-cpu or TorchSharp-cuda-*), so it cannot also load '{found.Folder}': " +
                        "two copies of libtorch in one process abort it. Reference the TorchSharp package alone (the camsdk tool: build it with -p:CamSdkLibTorch=external), or unset " +
                        $"{FolderVariable} to run on the application's own libtorch.");
                }

                foreach (var library in found.Libraries)
                {
                    try
                    {
                        NativeLibrary.Load(library);
                    }
                    catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
                    {
                        throw new CamException(
                            $"'{library}' does not load: {e.Message.Split('\n')[0].Trim()} " +
                            (found.HasCuda ? "A CUDA libtorch needs the NVIDIA driver and the CUDA libraries its installation carries (nvidia-* packages beside torch). " : string.Empty) +
                            "Start a new process after fixing it: libraries already loaded stay loaded.", e);
                    }
                }
            }

            _used = found;
            return found;
        }
    }

    /// <summary>
    /// <see cref="Use"/> with the folder that <see cref="FolderVariable"/> (<c>CAMSDK_LIBTORCH</c>) names; nothing when it is
    /// unset and the application has a libtorch of its own.
    /// </summary>
    /// <returns>What was loaded, or null when the variable is unset or empty.</returns>
    /// <exception cref="CamException">
    /// As <see cref="Use"/>, the message naming the variable; or the variable is unset in an application that carries no
    /// libtorch (built on TorchSharp alone) and has loaded none, where TorchSharp's first call would fail.
    /// </exception>
    public static LibTorchFolder? UseFromEnvironment()
    {
        var folder = Environment.GetEnvironmentVariable(FolderVariable);
        if (string.IsNullOrWhiteSpace(folder))
        {
            return Current is not null || LoadedFrom("torch_cpu") is not null || OwnLibTorch(string.Empty) is not null
                ? null
                : throw new CamException(
                    $"This application carries no libtorch of its own (it is built on TorchSharp alone, as camsdk is with -p:CamSdkLibTorch=external) and {FolderVariable} is not set: " +
                    $"set it to the folder of a libtorch {RequiredVersion}. {WhereToFind}");
        }

        try
        {
            return Use(folder);
        }
        catch (CamException e)
        {
            throw new CamException($"{FolderVariable}='{folder}': {e.Message}", e);
        }
    }

    /// <summary>The full path of a loaded libtorch library (<c>torch_cpu</c>, <c>torch_cuda</c>) in this process, or null.</summary>
    internal static string? LoadedFrom(string name)
    {
        var file = FileName(name);
        using var process = Process.GetCurrentProcess();
        foreach (ProcessModule module in process.Modules)
        {
            using (module)
            {
                if (string.Equals(module.ModuleName, file, OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal))
                {
                    return module.FileName;
                }
            }
        }

        return null;
    }

    /// <summary>A library's file name on this platform: <c>libtorch_cpu.so</c>, <c>torch_cpu.dll</c>, <c>libtorch_cpu.dylib</c>.</summary>
    internal static string FileName(string name) =>
        OperatingSystem.IsWindows() ? $"{name}.dll" : OperatingSystem.IsMacOS() ? $"lib{name}.dylib" : $"lib{name}.so";

    /// <summary>The libtorch the application itself carries (beside it, or where its deps.json puts native libraries), outside <paramref name="folder"/> ("" for anywhere).</summary>
    internal static string? OwnLibTorch(string folder)
    {
        var searched = (AppContext.GetData("NATIVE_DLL_SEARCH_DIRECTORIES") as string ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Prepend(AppContext.BaseDirectory);
        return searched.Select(d => Path.Combine(d, FileName("torch_cpu")))
            .FirstOrDefault(f => File.Exists(f) && (folder.Length == 0 || !SameFolder(Path.GetDirectoryName(f)!, folder)));
    }

    /// <summary>The version's major.minor ("2.10" of "2.10.0+cu128" or "2.10.0.0"), or the whole text.</summary>
    internal static string MajorMinor(string version) =>
        Regex.Match(version, @"^\s*(\d+)\.(\d+)") is { Success: true } m ? $"{m.Groups[1].Value}.{m.Groups[2].Value}" : version.Trim();

    /// <summary>
    /// The version a libtorch's installation states: PyTorch's <c>torch/version.py</c>, a libtorch distribution's
    /// <c>build-version</c>, or the <c>.nuspec</c> of the NuGet package that holds it.
    /// </summary>
    internal static (string Version, string Source)? ReadVersion(string lib)
    {
        var parent = Directory.GetParent(lib)?.FullName;
        foreach (var file in new[] { Path.Combine(lib, "build-version") }.Concat(parent is null ? [] : [Path.Combine(parent, "build-version")]))
        {
            if (File.Exists(file) && File.ReadLines(file).FirstOrDefault()?.Trim() is { Length: > 0 } line)
            {
                return (line, file);
            }
        }

        if (parent is not null && Path.Combine(parent, "version.py") is var python && File.Exists(python)
            && Regex.Match(File.ReadAllText(python), @"^__version__\s*=\s*['""]([^'""]+)['""]", RegexOptions.Multiline) is { Success: true } match)
        {
            return (match.Groups[1].Value, python);
        }

        // A NuGet package's libraries sit in <id>/<version>/runtimes/<rid>/native.
        var levels = 0;
        for (var directory = Directory.GetParent(lib); directory is not null && levels++ < 5 && directory.FullName != directory.Root.FullName; directory = directory.Parent)
        {
            foreach (var nuspec in directory.EnumerateFiles("*.nuspec"))
            {
                var text = File.ReadAllText(nuspec.FullName);
                if (Regex.Match(text, @"<id>\s*libtorch-[^<]*</id>", RegexOptions.IgnoreCase).Success
                    && Regex.Match(text, @"<version>\s*([^<\s]+)\s*</version>") is { Success: true } version)
                {
                    return (version.Groups[1].Value, nuspec.FullName);
                }
            }
        }

        return null;
    }

    private static bool SameFolder(string a, string b) =>
        string.Equals(RealPath(a), RealPath(b), OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);

    private static string RealPath(string folder)
    {
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder));
        var info = new DirectoryInfo(full);
        return info.LinkTarget is not null && info.ResolveLinkTarget(returnFinalTarget: true) is { } target ? Path.TrimEndingDirectorySeparator(target.FullName) : full;
    }

    private static string WhereToFind =>
        "Give the folder of libtorch's libraries: a PyTorch installation's torch/lib (python -c \"import torch, os; print(os.path.join(os.path.dirname(torch.__file__), 'lib'))\"), " +
        "a libtorch distribution's lib, or TorchSharp's libtorch package in the NuGet cache (~/.nuget/packages/libtorch-cpu-linux-x64/2.10.0/runtimes/linux-x64/native).";
}
