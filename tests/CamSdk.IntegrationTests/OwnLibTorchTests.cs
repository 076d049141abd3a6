using System.Diagnostics;
using System.Globalization;
using CamSdk.Models;
using static TorchSharp.torch;

namespace CamSdk.IntegrationTests;

/// <summary>
/// CamSdk on a libtorch the user already has, in separate processes: samples/CamSdk.Samples.OwnLibTorch (built on
/// TorchSharp alone) pointed at TorchSharp's CPU libtorch in the NuGet cache through CAMSDK_LIBTORCH gives the maps this
/// process computes on its own libtorch; without the variable, with a wrong version, or in an application that carries
/// its own libtorch (the camsdk tool as built here), a clear error and exit code 2 instead of a crash. Alone in its
/// collection: it draws the model's weights from libtorch's global generator, which a test running beside it would draw
/// from too (a CI run once got other weights that way).
/// </summary>
[Collection(nameof(OwnLibTorchTests))]
public sealed class OwnLibTorchTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("camsdk-own-libtorch-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static string NuGetLibTorch
    {
        get
        {
            var cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } packages
                ? packages
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
            return Path.Combine(cache, "libtorch-cpu-linux-x64", "2.10.0", "runtimes", "linux-x64", "native");
        }
    }

    [Fact]
    public void TheSampleOnTheNuGetCachesLibTorchGivesTheMapsOfThisProcess()
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // The NuGet cache's path below is linux-x64's; the loader itself is the same on every system.
        }

        Assert.True(Directory.Exists(NuGetLibTorch), $"The restore put libtorch-cpu-linux-x64 2.10.0 in the NuGet cache ({NuGetLibTorch}).");
        var (code, output, error) = Run(Built("samples", "CamSdk.Samples.OwnLibTorch"), [], (LibTorch.FolderVariable, NuGetLibTorch));
        Assert.True(code == 0, $"exit code {code}:\n{output}\n{error}");
        Assert.Contains($"Running on libtorch 2.10.0 (CPU) in '{NuGetLibTorch}'", output);
        Assert.Contains("Device: cpu (auto: the libtorch this process runs is a CPU build)", output);

        // The same model, input and map here, on this process's own libtorch (TorchSharp-cpu, the same libtorch 2.10 build).
        manual_seed(7);
        using var model = ModelZoo.Create("resnet18", numClasses: 10);
        model.eval();
        using var input = randn(1, 3, 128, 128);
        var explainable = (IExplainableModel)model;
        var explainer = new CamExplainer(model, explainable.GetExplainableLayer(explainable.ExplainableFacts.DefaultLayer));
        using var result = explainer.Explain(input, classIndex: 3);
        var expected = result.RawMaps.reshape(-1).data<float>().ToArray();
        var lines = output.Split('\n', StringSplitOptions.TrimEntries);
        var printed = lines[Array.FindIndex(lines, l => l.StartsWith("Grad-CAM of class 3 at Layer4, 16 values:", StringComparison.Ordinal)) + 1]
            .Split(' ').Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(16, expected.Length);
        Assert.True(expected.Max() > 0, "The map is not all zeros.");
        var scale = expected.Max(Math.Abs);
        Assert.All(expected.Zip(printed), p => Assert.True(Math.Abs(p.First - p.Second) <= 1e-6 * scale, $"{p.First} here, {p.Second} in the sample."));
    }

    [Fact]
    public void WithoutTheVariableOrWithAWrongVersionTheSampleSaysWhatToDo()
    {
        var sample = Built("samples", "CamSdk.Samples.OwnLibTorch");
        var (code, _, error) = Run(sample, [], (LibTorch.FolderVariable, null));
        Assert.Equal(2, code);
        Assert.Contains("This application carries no libtorch of its own", error);
        Assert.Contains("CAMSDK_LIBTORCH is not set: set it to the folder of a libtorch 2.10", error);

        // A folder that looks like libtorch 2.9 (empty files: the version check comes before any load).
        var lib = Path.Combine(_folder, "libtorch", "lib");
        Directory.CreateDirectory(lib);
        foreach (var name in new[] { "c10", "torch_cpu", "torch" })
        {
            File.WriteAllBytes(Path.Combine(lib, OperatingSystem.IsWindows() ? $"{name}.dll" : OperatingSystem.IsMacOS() ? $"lib{name}.dylib" : $"lib{name}.so"), []);
        }

        File.WriteAllText(Path.Combine(_folder, "libtorch", "build-version"), "2.9.1+cpu");
        (code, _, error) = Run(sample, [], (LibTorch.FolderVariable, lib));
        Assert.Equal(2, code);
        Assert.Contains($"CAMSDK_LIBTORCH='{lib}': The libtorch in '{lib}' is version 2.9.1+cpu", error);
        Assert.Contains("built for libtorch 2.10", error);

        (code, _, error) = Run(sample, [], (LibTorch.FolderVariable, Path.Combine(_folder, "missing")));
        Assert.Equal(2, code);
        Assert.Contains("does not exist", error);
    }

    [Fact]
    public void CamsdkWithItsOwnLibTorchRefusesASecondOneInsteadOfAborting()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var (code, output, error) = Run(Built("src", "CamSdk.Cli"), ["explain", "--arch", "resnet18", "--image", _folder, "--out", Path.Combine(_folder, "out")], (LibTorch.FolderVariable, NuGetLibTorch));
        Assert.True(code == 2, $"exit code {code}:\n{output}\n{error}");
        Assert.Contains("This application carries its own libtorch", error);
        Assert.Contains("-p:CamSdkLibTorch=external", error);
    }

    private static (int Code, string Output, string Error) Run(string assembly, string[] arguments, (string Name, string? Value) variable)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(assembly);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment[variable.Name] = variable.Value;
        start.Environment["COLUMNS"] = "4000";
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(3)), $"{Path.GetFileName(assembly)} did not finish within 3 minutes.");
        return (process.ExitCode, output, error.Result.Replace("\n", " ", StringComparison.Ordinal));
    }

    /// <summary>A project's build output beside the tests (the solution builds it; this project references it for the order).</summary>
    private static string Built(string area, string project, string? assemblyName = null)
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "CamSdk.sln")))
        {
            directory = directory.Parent;
        }

        Assert.True(directory is not null, "The repository's root (CamSdk.sln) is not above the test assembly.");
        var bin = Path.Combine(directory!.FullName, area, project, "bin");
        var file = (assemblyName ?? project) + ".dll";
        var built = Directory.Exists(bin) ? Directory.GetFiles(bin, file, SearchOption.AllDirectories) : [];
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent?.Parent?.Name ?? "Debug";
        var chosen = built.OrderByDescending(p => p.Contains($"{Path.DirectorySeparatorChar}{configuration}{Path.DirectorySeparatorChar}", StringComparison.Ordinal)).ThenByDescending(File.GetLastWriteTimeUtc).FirstOrDefault();
        Assert.True(chosen is not null, $"{file} is not built under {bin}: run 'dotnet build CamSdk.sln'.");
        return chosen!;
    }
}

/// <summary>Runs <see cref="OwnLibTorchTests"/> with no other test class beside it.</summary>
[CollectionDefinition(nameof(OwnLibTorchTests), DisableParallelization = true)]
public sealed class OwnLibTorchCollection;
