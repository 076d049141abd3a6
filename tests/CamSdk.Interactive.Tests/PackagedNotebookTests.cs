using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CamSdk.Tests.Support;

namespace CamSdk.Tests;

/// <summary>
/// samples/notebooks/explain.ipynb as a user runs it: CamSdk's packages packed into a local feed (at a version of this
/// run's own, so that no cached copy is taken), and the notebook's cells sent to the .NET Interactive tool
/// (dotnet-interactive, pinned in .config/dotnet-tools.json) over its standard-I/O protocol, the notebook's own
/// <c>#r "nuget: …"</c> lines included: the packages restore, the extension script loads and every cell shows its
/// pictures. On Debian 12 and Ubuntu 22.04 this is also where TorchSharp's native library needs CamSdk's weak copy.
/// </summary>
[Trait("Speed", "Slow")]
public sealed class PackagedNotebookTests : IDisposable
{
    private readonly TemporaryFolder _folder = new("camsdk-packaged-notebook-");

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task TheSampleNotebookRunsOnThePackagesThroughDotnetInteractive()
    {
        var root = NotebookTests.Root();
        var version = $"0.0.0-notebook.{DateTime.UtcNow:yyyyMMddHHmmss}{Environment.ProcessId}";
        var feed = Directory.CreateDirectory(_folder.PathOf("feed")).FullName;
        // The assemblies this test run built (Debug, beside the test): packed as they are, at the run's version.
        foreach (var project in new[] { "CamSdk", "CamSdk.Imaging", "CamSdk.Models", "CamSdk.Evaluation", "CamSdk.Interactive" })
        {
            await Run(root, "dotnet", "pack", Path.Combine(root, "src", project, project + ".csproj"), "--no-build", "-c", "Debug", "-o", feed, $"-p:Version={version}", "--nologo");
        }

        await Run(root, "dotnet", "tool", "restore");

        var notebook = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(root, "samples", "notebooks", "explain.ipynb")))!;
        var cells = notebook["cells"]!.AsArray()
            .Where(c => (string?)c!["cell_type"] == "code")
            .Select(c => string.Concat(c!["source"]!.AsArray().Select(l => (string?)l)))
            .ToList();
        Assert.Contains("#r \"nuget: CamSdk.Interactive, 0.1.0\"", cells[0], StringComparison.Ordinal);
        cells[0] = $"#i \"nuget: {feed}\"\n" + Regex.Replace(cells[0], @"(#r ""nuget: CamSdk\.[A-Za-z.]+), [^""]+""", $"$1, {version}\"");

        var start = new ProcessStartInfo("dotnet", ["tool", "run", "dotnet-interactive", "--", "stdio", "--default-kernel", "csharp", "--working-dir", _folder.Path])
        {
            WorkingDirectory = root,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var kernel = Process.Start(start)!;
        _ = kernel.StandardError.ReadToEndAsync();
        try
        {
            var shown = new List<List<(string Mime, string Value)>>();
            for (var i = 0; i < cells.Count; i++)
            {
                shown.Add(await Submit(kernel, $"cell-{i}", cells[i]));
            }

            int Pictures(int cell) => shown[cell].Where(o => o.Mime == "text/html").Sum(o => Regex.Matches(o.Value, "<img [^>]*src=\"data:image/png;base64,").Count);
            string Text(int cell) => string.Join("\n", shown[cell].Select(o => o.Value));
            Assert.Contains("Loading extension script from", Text(0), StringComparison.Ordinal);
            Assert.Contains($"camsdk.interactive/{version}/interactive-extensions/dotnet/extension.dib", Text(0), StringComparison.Ordinal);
            Assert.Contains("ShapesNet: held-out accuracy", Text(1), StringComparison.Ordinal);
            Assert.Equal(4 * 5, Pictures(2));
            Assert.Equal(2 * 3, Pictures(3));
            Assert.Equal(2, Pictures(4));
        }
        finally
        {
            kernel.StandardInput.Close();
            if (!kernel.WaitForExit(10_000))
            {
                kernel.Kill(entireProcessTree: true);
            }
        }
    }

    /// <summary>Sends a cell to the kernel and reads its events until the cell succeeds; fails the test if it fails.</summary>
    private static async Task<List<(string Mime, string Value)>> Submit(Process kernel, string token, string code)
    {
        var envelope = new JsonObject
        {
            ["token"] = token,
            ["commandType"] = "SubmitCode",
            ["command"] = new JsonObject { ["code"] = code, ["targetKernelName"] = "csharp" },
        };
        await kernel.StandardInput.WriteLineAsync(envelope.ToJsonString());
        await kernel.StandardInput.FlushAsync();
        var shown = new List<(string Mime, string Value)>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        while (await kernel.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            JsonNode? message;
            try
            {
                message = JsonNode.Parse(line);
            }
            catch (JsonException)
            {
                continue;
            }

            var type = (string?)message?["eventType"];
            if (message?["event"]?["formattedValues"] is JsonArray values)
            {
                shown.AddRange(values.Select(v => ((string)v!["mimeType"]!, (string)v["value"]!)));
            }

            if ((string?)message?["command"]?["token"] == token && type is "CommandSucceeded" or "CommandFailed")
            {
                Assert.True(type == "CommandSucceeded", $"{token} failed: {message!["event"]?["message"]}\n{code}");
                return shown;
            }
        }

        throw new InvalidOperationException($"The kernel stopped before {token} finished.");
    }

    private static async Task Run(string directory, string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file, arguments) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{file} {string.Join(' ', arguments)} exited with {process.ExitCode}:\n{await output}\n{await errors}");
    }
}
