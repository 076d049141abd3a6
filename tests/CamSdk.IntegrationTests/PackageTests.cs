using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace CamSdk.IntegrationTests;

/// <summary>
/// CamSdk's packages as a user gets them: packed from this repository (once for the class), installed from a local folder
/// feed into fresh projects outside the repository (none of its build settings apply), built, and run.
/// </summary>
[Trait("Speed", "Slow")]
public sealed class PackageTests(PackedPackages packed) : IClassFixture<PackedPackages>
{
    /// <summary>Each package, and the packages it may depend on besides TorchSharp's own (nothing else may come in).</summary>
    private static readonly Dictionary<string, string[]> Dependencies = new()
    {
        ["CamSdk"] = ["TorchSharp"],
        ["CamSdk.Imaging"] = ["CamSdk", "SkiaSharp", "SkiaSharp.NativeAssets.Linux.NoDependencies"],
        ["CamSdk.Models"] = ["CamSdk", "TorchSharp.PyBridge", "SharpZipLib", "System.IO.Hashing"],
        ["CamSdk.Evaluation"] = ["CamSdk", "CamSdk.Imaging", "CamSdk.Models", "ScottPlot"],
        // Protobuf's runtime reads the file; its compiler (Grpc.Tools) runs at build time only.
        ["CamSdk.Onnx"] = ["CamSdk", "Google.Protobuf"],
    };

    /// <summary>Every package of ours.</summary>
    internal static IEnumerable<string> Packages => Dependencies.Keys;

    [LinuxX64Fact]
    public void EachPackageDependsOnWhatItNeedsOnlyAndCarriesItsReadmeAndCommit()
    {
        foreach (var (id, allowed) in Dependencies)
        {
            using var zip = System.IO.Compression.ZipFile.OpenRead(packed.PackagePath(id));
            var entries = zip.Entries.Select(e => e.FullName).ToList();
            Assert.Contains($"lib/net10.0/{id}.dll", entries);
            Assert.Contains($"lib/net10.0/{id}.xml", entries);
            Assert.Contains("README.md", entries);
            var manifest = packed.Nuspec(id);
            Assert.Contains("<readme>README.md</readme>", manifest);
            Assert.Matches("<repository type=\"git\" commit=\"[0-9a-f]{40}\" />", manifest);
            var dependencies = PackedPackages.DependencyIds(manifest);
            Assert.True(dependencies.SetEquals(allowed), $"{id} depends on {string.Join(", ", dependencies.Order())}; it may depend on {string.Join(", ", allowed)}.");
            // Our packages share internals, so each takes the others at exactly its own version.
            foreach (var ours in dependencies.Where(d => d.StartsWith("CamSdk", StringComparison.Ordinal)))
            {
                Assert.Matches($"<dependency id=\"{Regex.Escape(ours)}\" version=\"\\[{Regex.Escape(packed.Version)}\\]\"", manifest);
            }
            // The generator and the Debian 12 fix ship in the core package only.
            Assert.Equal(id == "CamSdk", entries.Contains("analyzers/dotnet/cs/CamSdk.Generators.dll"));
            Assert.Equal(id == "CamSdk", entries.Contains("buildTransitive/CamSdk.targets"));
        }
    }

    [LinuxX64Fact]
    public void NoPackageOfOursResolvesTwoMajorVersionsOfSkiaSharpOrHarfBuzzSharp()
    {
        // In the dependency groups of every package...
        var declared = Dependencies.Keys.SelectMany(id => PackedPackages.DependencyVersions(packed.Nuspec(id))).ToList();
        Assert.Contains(declared, d => d.Id == "SkiaSharp");
        AssertOneMajor(declared.Where(d => d.Id.StartsWith("SkiaSharp", StringComparison.Ordinal)), "SkiaSharp");
        // ...and in what NuGet resolves for an application that takes every package (ScottPlot brings SkiaSharp.HarfBuzz).
        var app = packed.App("everything", ["CamSdk.Evaluation"], """
            using CamSdk.Imaging;
            var image = RgbImage.Decode(CamPictures.Heatmap(new float[,] { { 0, 0.5f }, { 1, 0.25f } }).EncodePng(), "heatmap");
            Console.WriteLine($"decoded {image.Width}x{image.Height}");
            """);
        Assert.Contains("decoded 2x2", PackageTests.Run("dotnet", "run", app));
        var resolved = PackedPackages.Resolved(app);
        AssertOneMajor(resolved.Where(p => p.Id.StartsWith("SkiaSharp", StringComparison.OrdinalIgnoreCase)), "SkiaSharp");
        AssertOneMajor(resolved.Where(p => p.Id.StartsWith("HarfBuzzSharp", StringComparison.OrdinalIgnoreCase)), "HarfBuzzSharp");
        Assert.Contains(resolved, p => p.Id.Equals("SkiaSharp.HarfBuzz", StringComparison.OrdinalIgnoreCase));
    }

    [LinuxX64Fact]
    public void TheCorePackageAloneExplainsInAFreshProjectAndBringsNoImagingOrPlotting()
    {
        var app = packed.App("core", ["CamSdk"], PackageApp.Source);
        var output = Run("dotnet", "run", app);
        Assert.Contains("explained class 2 (Triangle) at features: 8x8 map", output);
        var resolved = PackedPackages.Resolved(app).Select(p => p.Id).ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var absent in new[] { "ScottPlot", "SkiaSharp.HarfBuzz", "HarfBuzzSharp", "TorchSharp.PyBridge", "SkiaSharp.NativeAssets.Linux.NoDependencies", "CamSdk.Imaging" })
        {
            Assert.DoesNotContain(absent, resolved);
        }
    }

    private static void AssertOneMajor(IEnumerable<(string Id, string Version)> packages, string family)
    {
        var majors = packages.GroupBy(p => p.Version.Split('.')[0]).ToList();
        Assert.True(majors.Count == 1, $"{family} comes in {majors.Count} major versions: {string.Join(", ", packages.Select(p => $"{p.Id} {p.Version}"))}.");
    }

    internal static string FindRepository()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "CamSdk.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("The repository root (CamSdk.sln) was not found above the test's output folder.");
    }

    internal static string Run(string file, string arguments, string directory)
    {
        var start = new ProcessStartInfo(file, arguments)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["MSBUILDTERMINALLOGGER"] = "off";
        start.Environment.Remove("MSBuildExtensionsPath");
        start.Environment.Remove("MSBuildSDKsPath");
        start.Environment.Remove("MSBUILD_EXE_PATH");
        using var process = Process.Start(start)!;
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => output.AppendLine(e.Data);
        process.ErrorDataReceived += (_, e) => output.AppendLine(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(TimeSpan.FromMinutes(10)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {arguments} did not finish in 10 minutes:\n{output}");
        }

        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{file} {arguments} failed with exit code {process.ExitCode}:\n{output}");
        return output.ToString();
    }

    [LinuxX64Fact]
    public void TheToolCarriesOnlyTheLibTorchLibrariesItLoads()
    {
        // What `dotnet pack src/CamSdk.Cli` publishes: libLibTorchSharp needs libtorch, libtorch_cpu, libc10 and libgomp.
        var repository = FindRepository();
        var items = Run("dotnet", "msbuild src/CamSdk.Cli/CamSdk.Cli.csproj -t:ResolvePackageAssets -getItem:NativeCopyLocalItems -p:Configuration=Release", repository);
        var natives = System.Text.RegularExpressions.Regex.Matches(items, @"""Identity"": ""[^""]*/(lib[^/""]+\.so[^/""]*)""").Select(m => m.Groups[1].Value).ToHashSet();
        Assert.Contains("libtorch_cpu.so", natives);
        Assert.Contains("libLibTorchSharp.so", natives);
        Assert.Contains("libc10.so", natives);
        foreach (var unused in new[] { "libtorch_python.so", "libtorchbind_test.so", "libjitbackend_test.so", "libbackend_with_compiler.so", "libnnapi_backend.so", "libaoti_custom_ops.so", "libshm.so" })
        {
            Assert.DoesNotContain(unused, natives);
        }
    }
}

/// <summary>A fact about the Linux x64 build (the packages' natives and the test app's runtime): skipped elsewhere, with the reason.</summary>
public sealed class LinuxX64FactAttribute : FactAttribute
{
    public LinuxX64FactAttribute()
    {
        if (!OperatingSystem.IsLinux() || System.Runtime.InteropServices.RuntimeInformation.OSArchitecture != System.Runtime.InteropServices.Architecture.X64)
        {
            Skip = "This test builds and runs for linux-x64 only.";
        }
    }
}

/// <summary>CamSdk's packages packed once, into a local feed, with a one-off version; and fresh applications that use them.</summary>
public sealed class PackedPackages : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("camsdk-package-").FullName;
    private readonly string _version = $"0.1.0-ci.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}";
    private readonly string _feed;

    public PackedPackages()
    {
        var repository = PackageTests.FindRepository();
        _feed = Directory.CreateDirectory(Path.Combine(_work, "feed")).FullName;
        foreach (var id in PackageTests.Packages)
        {
            PackageTests.Run("dotnet", $"pack \"{Path.Combine(repository, "src", id, id + ".csproj")}\" -c Release -o \"{_feed}\" -p:Version={_version}", repository);
        }
    }

    /// <summary>The version every package was packed at.</summary>
    public string Version => _version;

    public string PackagePath(string id) => Path.Combine(_feed, $"{id}.{_version}.nupkg");

    public string Nuspec(string id)
    {
        using var zip = System.IO.Compression.ZipFile.OpenRead(PackagePath(id));
        using var reader = new StreamReader(zip.GetEntry($"{id}.nuspec")!.Open());
        return reader.ReadToEnd();
    }

    public static HashSet<string> DependencyIds(string nuspec) => [.. DependencyVersions(nuspec).Select(d => d.Id)];

    public static IEnumerable<(string Id, string Version)> DependencyVersions(string nuspec) =>
        Regex.Matches(nuspec, "<dependency id=\"([^\"]+)\" version=\"\\[?([^\",\\])]+)").Select(m => (m.Groups[1].Value, m.Groups[2].Value));

    /// <summary>Every NuGet package an application's restore resolved, with its version.</summary>
    public static IReadOnlyList<(string Id, string Version)> Resolved(string app)
    {
        using var assets = JsonDocument.Parse(File.ReadAllText(Path.Combine(app, "obj", "project.assets.json")));
        return [.. assets.RootElement.GetProperty("libraries").EnumerateObject()
            .Where(l => l.Value.GetProperty("type").GetString() == "package")
            .Select(l => (l.Name.Split('/')[0], l.Name.Split('/')[1]))];
    }

    /// <summary>A fresh console application outside the repository that references the packages and TorchSharp-cpu.</summary>
    public string App(string name, IReadOnlyList<string> packages, string program)
    {
        var app = Directory.CreateDirectory(Path.Combine(_work, name)).FullName;
        File.WriteAllText(Path.Combine(app, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="local" value="{_feed}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
              </packageSources>
            </configuration>
            """);
        File.WriteAllText(Path.Combine(app, "App.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                <RuntimeIdentifier>linux-x64</RuntimeIdentifier>
                <SelfContained>false</SelfContained>
              </PropertyGroup>
              <ItemGroup>
                {string.Concat(packages.Select(p => $"<PackageReference Include=\"{p}\" Version=\"{_version}\" />"))}
                <PackageReference Include="TorchSharp-cpu" Version="0.107.0" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(app, "Program.cs"), program);
        File.WriteAllText(Path.Combine(app, "Directory.Build.props"), "<Project />"); // nothing of ours above it applies
        File.WriteAllText(Path.Combine(app, "Directory.Build.targets"), "<Project />");
        return app;
    }

    public void Dispose()
    {
        Directory.Delete(_work, recursive: true);
        // Keep the machine's package cache free of one-off versions.
        var cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        foreach (var id in new[] { "camsdk", "camsdk.imaging", "camsdk.models", "camsdk.evaluation" })
        {
            var cached = Path.Combine(cache, id, _version);
            if (Directory.Exists(cached))
            {
                Directory.Delete(cached, recursive: true);
            }
        }
    }
}
