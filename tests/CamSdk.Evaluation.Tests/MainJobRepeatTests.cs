using System.Diagnostics;
using System.Text.Json.Nodes;
using CamSdk.Evaluation;
using CamSdk.Tests.Support;
using CamSdk.Shapes;

namespace CamSdk.Tests;

/// <summary>
/// The main job run again, as a user runs it a second time: in this process, and as the Quickstart in fresh processes (a cold
/// cache that trains, then a warm one that loads), with oneDNN on and off for forward passes. Every run must finish, and a
/// run with a warm cache must give the figures of the run that trained, to the last digit.
/// </summary>
[Trait("Speed", "Slow")]
[Collection(TinyMainJobCollection.Name)]
public sealed class MainJobRepeatTests(TinyMainJob job)
{
    [Fact]
    public void TheJobRunTwiceInOneProcessGivesTheSameFiguresWithOneDnnOnAndOff()
    {
        var trainedRun = Figures(File.ReadAllText(job.MetricsPath));
        var before = NativeBackend.OneDnnEnabled;
        var figures = new Dictionary<bool, List<string>>();
        try
        {
            foreach (var oneDnn in new[] { true, false })
            {
                NativeBackend.OneDnnEnabled = oneDnn;
                Assert.Equal(oneDnn, NativeBackend.OneDnnEnabled);
                figures[oneDnn] = [];
                for (var run = 0; run < 2; run++)
                {
                    using var result = ShapesMainJob.Run(job.Job);
                    Assert.True(result.Trained.FromCache);
                    Assert.Empty(result.Report.Problems);
                    figures[oneDnn].Add(Figures(result.Report.ToMetricsJson()));
                }

                Assert.Equal(figures[oneDnn][0], figures[oneDnn][1]);
            }
        }
        finally
        {
            NativeBackend.OneDnnEnabled = before;
        }

        // The fixture trained in this process with the tests' kernels (oneDNN off wherever its gradients are wrong, as here
        // the test host switches it off at start-up): a run from the cache with the same kernels gives its figures.
        Assert.Equal(trainedRun, figures[before][0]);
    }

    [Fact]
    public void TheQuickstartRunColdThenWarmInFreshProcessesGivesTheSameFigures()
    {
        var quickstart = QuickstartAssembly();
        using var folder = new TemporaryFolder("camsdk-quickstart-");
        foreach (var oneDnn in new[] { "on", "off" })
        {
            var cache = Path.Combine(folder.Path, $"cache-{oneDnn}");
            var cold = Run(quickstart, cache, oneDnn, Path.Combine(folder.Path, $"cold-{oneDnn}"));
            var warm = Run(quickstart, cache, oneDnn, Path.Combine(folder.Path, $"warm-{oneDnn}"));
            Assert.Contains("trained in", cold.Output);
            Assert.Contains("loaded from the cache", warm.Output);
            Assert.Equal(cold.Figures, warm.Figures);
            Assert.Equal(cold.Summary, warm.Summary);
        }
    }

    /// <summary>metrics.json without what differs between a run that trained and one that loaded: the cache flag.</summary>
    private static string Figures(string metrics)
    {
        var root = JsonNode.Parse(metrics)!.AsObject();
        root["training"]!.AsObject().Remove("from_cache");
        return root.ToJsonString();
    }

    private static (string Output, string Figures, string Summary) Run(string quickstart, string cache, string oneDnn, string output)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { quickstart, "--images", "8", "--pairs", "4", "--training-images", "64", "--epochs", "1", "--check-images", "4", "--out", output },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(output)!,
            Environment = { ["XDG_CACHE_HOME"] = cache, [NativeBackend.OneDnnVariable] = oneDnn },
        };
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var text = process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(5)), "The Quickstart did not finish within 5 minutes.");
        Assert.True(process.ExitCode == 0, $"The Quickstart (CAMSDK_ONEDNN={oneDnn}) exited with {process.ExitCode}:\n{text}\n{error.Result}");
        Assert.DoesNotContain("Not computed", text);
        // The summary's figures (after the progress lines), without the lines that say how the weights came and where the files went.
        var lines = text.Replace("\r", "", StringComparison.Ordinal).Split('\n');
        var summary = string.Join('\n', lines.SkipWhile(l => !l.StartsWith("ShapesNet ", StringComparison.Ordinal)).Skip(1)
            .Where(l => l.Length > 0 && !l.StartsWith("Report:", StringComparison.Ordinal) && !l.StartsWith("Metrics:", StringComparison.Ordinal) && !l.StartsWith("Done in", StringComparison.Ordinal)));
        Assert.Contains("Localisation on 8 held-out images", summary);
        return (text, Figures(File.ReadAllText(Path.Combine(output, "metrics.json"))), summary);
    }

    /// <summary>The Quickstart sample's build output (the solution builds it beside the tests).</summary>
    private static string QuickstartAssembly()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "CamSdk.sln")))
        {
            directory = directory.Parent;
        }

        Assert.True(directory is not null, "The repository's root (CamSdk.sln) is not above the test assembly.");
        var bin = Path.Combine(directory!.FullName, "samples", "CamSdk.Samples.Quickstart", "bin");
        var built = Directory.Exists(bin) ? Directory.GetFiles(bin, "CamSdk.Samples.Quickstart.dll", SearchOption.AllDirectories) : [];
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent?.Parent?.Name ?? "Debug";
        var chosen = built.OrderByDescending(p => p.Contains($"{Path.DirectorySeparatorChar}{configuration}{Path.DirectorySeparatorChar}", StringComparison.Ordinal)).ThenByDescending(File.GetLastWriteTimeUtc).FirstOrDefault();
        Assert.True(chosen is not null, $"The Quickstart is not built under {bin}: run 'dotnet build CamSdk.sln' (dotnet test CamSdk.sln builds it).");
        return chosen!;
    }
}
