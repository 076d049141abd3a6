using System.Diagnostics;
using System.Text;

namespace CamSdk.IntegrationTests;

/// <summary>
/// The CamSdk package as a user gets it: packed from this repository, installed from a local folder feed into a
/// fresh project outside the repository (none of its build settings apply), built, and run.
/// </summary>
public sealed class PackageTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("camsdk-package-").FullName;
    private readonly string _version = $"0.1.0-ci.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}";

    public void Dispose()
    {
        Directory.Delete(_work, recursive: true);
        // Keep the machine's package cache free of one-off versions.
        var cached = Path.Combine(Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages"), "camsdk", _version);
        if (Directory.Exists(cached))
        {
            Directory.Delete(cached, recursive: true);
        }
    }

    [LinuxX64Fact]
    public void PackedPackageHoldsRuntimeAndGeneratorAndExplainsInAFreshProject()
    {
        var repository = FindRepository();
        var feed = Directory.CreateDirectory(Path.Combine(_work, "feed")).FullName;
        Run("dotnet", $"pack \"{Path.Combine(repository, "src", "CamSdk", "CamSdk.csproj")}\" -c Release -o \"{feed}\" -p:Version={_version}", repository);

        var package = Path.Combine(feed, $"CamSdk.{_version}.nupkg");
        using (var zip = System.IO.Compression.ZipFile.OpenRead(package))
        {
            var entries = zip.Entries.Select(e => e.FullName).ToList();
            Assert.Contains("lib/net10.0/CamSdk.dll", entries);
            Assert.Contains("lib/net10.0/CamSdk.xml", entries);
            Assert.Contains("analyzers/dotnet/cs/CamSdk.Generators.dll", entries);
            Assert.Contains("buildTransitive/CamSdk.targets", entries);
            Assert.Contains("README.md", entries);
            using var nuspec = new StreamReader(zip.GetEntry("CamSdk.nuspec")!.Open());
            var manifest = nuspec.ReadToEnd();
            Assert.Contains("<readme>README.md</readme>", manifest);
            Assert.Matches("<repository type=\"git\" commit=\"[0-9a-f]{40}\" />", manifest);
        }

        var app = Directory.CreateDirectory(Path.Combine(_work, "app")).FullName;
        File.WriteAllText(Path.Combine(app, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="local" value="{feed}" />
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
                <PackageReference Include="CamSdk" Version="{_version}" />
                <PackageReference Include="TorchSharp-cpu" Version="0.107.0" />
                <PackageReference Include="SharpZipLib" Version="1.4.2" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(app, "Program.cs"), PackageApp.Source);
        File.WriteAllText(Path.Combine(app, "Directory.Build.props"), "<Project />"); // nothing of ours above it applies
        File.WriteAllText(Path.Combine(app, "Directory.Build.targets"), "<Project />");

        var output = Run("dotnet", "run", app);
        Assert.Contains("explained class 2 (Triangle) at features: 8x8 map", output);
    }

    private static string FindRepository()
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

    private static string Run(string file, string arguments, string directory)
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
