using System.Text.RegularExpressions;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.CSharp;
using Microsoft.DotNet.Interactive.Documents;
using Microsoft.DotNet.Interactive.Documents.Jupyter;
using Microsoft.DotNet.Interactive.Events;
using Microsoft.DotNet.Interactive.Formatting;

namespace CamSdk.Tests;

/// <summary>
/// samples/notebooks/explain.ipynb, run cell by cell in .NET Interactive's C# kernel in this process: the package's
/// extension script registers the formatters, no cell fails, and each cell shows what it should (pictures as embedded
/// PNGs, labels and verdicts as text). The notebook's <c>#r "nuget: …"</c> cell, which needs a package feed, is run as
/// references to this build's assemblies. With CAMSDK_WRITE_NOTEBOOK=1 the outputs are written into the notebook, so that
/// it reads on a code-hosting site without running.
/// </summary>
public sealed class NotebookTests
{
    [Trait("Speed", "Slow")]
    [Fact]
    public async Task TheSampleNotebooksCellsRunAndShowTheirPictures()
    {
        var path = Path.Combine(Root(), "samples", "notebooks", "explain.ipynb");
        var notebook = Notebook.Parse(await File.ReadAllTextAsync(path), new KernelInfoCollection { new("csharp") });
        using var kernel = new CSharpKernel().UseKernelHelpers().UseValueSharing();
        var cells = notebook.Elements.Where(e => e.KernelName == "csharp").ToArray();
        Assert.Equal(5, cells.Length);

        var extension = File.ReadAllText(Path.Combine(Root(), "src", "CamSdk.Interactive", "interactive-extensions", "dotnet", "extension.dib"));
        var shown = new List<List<(string Mime, string Value)>>();
        foreach (var cell in cells)
        {
            var references = cell.Contents.Contains("#r \"nuget:", StringComparison.Ordinal);
            var code = references
                ? string.Join('\n', new[] { "TorchSharp", "CamSdk", "CamSdk.Imaging", "CamSdk.Evaluation", "CamSdk.Interactive" }.Select(a => $"#r \"{Path.Combine(AppContext.BaseDirectory, a + ".dll")}\""))
                : cell.Contents;
            var outputs = await Run(kernel, code);
            if (references)
            {
                // As the package's load does next: the extension script it carries.
                await Run(kernel, extension[extension.IndexOf("#!csharp", StringComparison.Ordinal)..].Replace("#!csharp", string.Empty, StringComparison.Ordinal));
            }

            shown.Add(outputs);
        }

        string Html(int cell) => string.Concat(shown[cell].Where(o => o.Mime == HtmlFormatter.MimeType).Select(o => o.Value));
        int Pictures(int cell) => Regex.Matches(Html(cell), "<img [^>]*src=\"data:image/png;base64,").Count;

        Assert.Contains("ShapesNet: held-out accuracy", string.Concat(shown[1].Select(o => o.Value)));
        // Four images, each with four methods' overlays beside it, labelled with the predicted class's name.
        Assert.Equal(4 * 5, Pictures(2));
        Assert.Matches("GradCAM: class &#39;(Circle|Square|Triangle|Star|Cross|Ring)&#39; \\(\\d\\), score", Html(2));
        Assert.Contains("ScoreCAM", Html(2));
        Assert.Equal(2 * 3, Pictures(3));
        Assert.Contains("Guided Grad-CAM", Html(3));
        Assert.Equal(2, Pictures(4));
        Assert.Matches("<b>GradCAM</b> (passes|fails): ", Html(4));

        if (Environment.GetEnvironmentVariable("CAMSDK_WRITE_NOTEBOOK") == "1")
        {
            // Each code cell's displays as Jupyter execute_results; the #r cell keeps its nuget references (what a reader runs).
            var json = System.Text.Json.Nodes.JsonNode.Parse(await File.ReadAllTextAsync(path))!;
            var codeCells = json["cells"]!.AsArray().Where(c => (string?)c!["cell_type"] == "code").ToArray();
            for (var i = 0; i < codeCells.Length; i++)
            {
                var outputs = new System.Text.Json.Nodes.JsonArray();
                foreach (var (mime, value) in shown[i])
                {
                    outputs.Add(new System.Text.Json.Nodes.JsonObject
                    {
                        ["output_type"] = "execute_result",
                        ["execution_count"] = i + 1,
                        ["metadata"] = new System.Text.Json.Nodes.JsonObject(),
                        ["data"] = new System.Text.Json.Nodes.JsonObject { [mime] = value },
                    });
                }

                codeCells[i]!["outputs"] = outputs;
                codeCells[i]!["execution_count"] = i + 1;
            }

            await File.WriteAllTextAsync(path, json.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n");
        }
    }

    /// <summary>Runs code; fails the test if the kernel reports a failure; returns what the cell displayed.</summary>
    private static async Task<List<(string Mime, string Value)>> Run(Kernel kernel, string code)
    {
        var result = await kernel.SendAsync(new SubmitCode(code));
        var failure = result.Events.OfType<CommandFailed>().FirstOrDefault();
        Assert.True(failure is null, $"The cell failed: {failure?.Message}\n{code}");
        return [.. result.Events.OfType<DisplayEvent>().SelectMany(e => e.FormattedValues).Select(f => (f.MimeType, f.Value))];
    }

    /// <summary>The repository's root: the folder above the test assembly that holds CamSdk.sln.</summary>
    internal static string Root()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "CamSdk.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("The repository's root (CamSdk.sln) is not above the test assembly.");
    }
}
