using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using CamSdk.Generators.Tests.Support;
using Microsoft.CodeAnalysis;

namespace CamSdk.Generators.Tests;

/// <summary>
/// The README's C# examples are compiled from the README itself, with the generator, so that they cannot drift from
/// the API. Each fenced C# block follows a comment that says how: <c>declarations</c> (types, compiled as a file), or
/// the parameters its statements use (compiled as the body of a method taking them). Leading <c>using</c> directives
/// of a block are its file's.
/// </summary>
public sealed partial class ReadmeTests
{
    private const string Marker = "compiled by tests/CamSdk.Generators.Tests/ReadmeTests.cs: ";

    /// <summary>What a project with implicit usings and TorchSharp has in scope.</summary>
    private const string GlobalUsings = """
        global using System;
        global using System.Collections.Generic;
        global using System.IO;
        global using System.Linq;
        global using System.Threading;
        global using System.Threading.Tasks;
        global using TorchSharp;
        global using static TorchSharp.torch;
        """;

    /// <summary>The types the README's blocks take as given: a user's model with a <c>layer4</c>.</summary>
    private const string Given = """
        public sealed class MyNet : nn.Module<Tensor, Tensor>
        {
            public readonly TorchSharp.Modules.Sequential layer4 = nn.Sequential(nn.Conv2d(3, 8, 3, padding: 1), nn.ReLU());
            private readonly TorchSharp.Modules.Linear fc = nn.Linear(8, 2);

            public MyNet() : base(nameof(MyNet)) => RegisterComponents();

            public override Tensor forward(Tensor input) => fc.call(layer4.call(input).mean([2L, 3L]));
        }
        """;

    [GeneratedRegex(@"(?:<!-- (?<marker>[^\n]*?) -->\n)?```(?:csharp|cs|c#)\n(?<code>.*?)```", RegexOptions.Singleline)]
    private static partial Regex CSharpBlock();

    [GeneratedRegex(@"^using (static )?[A-Za-z_][\w.]*( = [\w.<>]+)?;[^\n]*$", RegexOptions.Multiline)]
    private static partial Regex UsingDirective();

    private static string Readme([CallerFilePath] string testFile = "") =>
        File.ReadAllText(Path.Combine(Path.GetDirectoryName(testFile)!, "..", "..", "README.md")).Replace("\r\n", "\n", StringComparison.Ordinal);

    [Fact]
    public void EveryCSharpBlockCompilesWithTheGenerator()
    {
        var blocks = CSharpBlock().Matches(Readme()).ToList();
        Assert.True(blocks.Count >= 4, $"the README has {blocks.Count} C# blocks");
        var sources = new List<string> { GlobalUsings, Given };
        foreach (var (block, index) in blocks.Select((b, i) => (b, i)))
        {
            var marker = block.Groups["marker"].Value;
            Assert.True(marker.StartsWith(Marker, StringComparison.Ordinal), $"C# block {index + 1} of the README has no '<!-- {Marker}… -->' line before it:\n{block.Value}");
            var context = marker[Marker.Length..];
            var code = block.Groups["code"].Value;
            if (context == "declarations")
            {
                sources.Add(code);
                continue;
            }

            Assert.Matches(@"^\(.*\)$", context);
            var usings = string.Join("\n", UsingDirective().Matches(code).Select(m => m.Value));
            var body = UsingDirective().Replace(code, string.Empty);
            sources.Add($"{usings}\n\ninternal static class ReadmeBlock{index + 1}\n{{\n    internal static void Run{context}\n    {{\n{body}\n    }}\n}}\n");
        }

        var compilation = Harness.Compile([.. sources]);
        Harness.Driver().RunGeneratorsAndUpdateCompilation(compilation, out var output, out var generatorDiagnostics);
        Assert.Empty(generatorDiagnostics);
        var problems = output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        Assert.True(problems.Count == 0, "The README's C# blocks do not compile cleanly:\n" + string.Join("\n", problems.Select(p => $"{p} in: {p.Location.SourceTree?.GetText().Lines.GetLineFromPosition(p.Location.SourceSpan.Start)}")));
    }

    [Fact]
    public void TheBlockRunByTheRuntimeTestsIsTheReadmesOwn() => AssertRuntimeTestRunsTheReadmesBlock();

    private static void AssertRuntimeTestRunsTheReadmesBlock([CallerFilePath] string testFile = "")
    {
        // tests/CamSdk.Tests/ReadmeExampleTests.cs runs the "Without the generator" block between its README markers.
        var test = File.ReadAllText(Path.Combine(Path.GetDirectoryName(testFile)!, "..", "CamSdk.Tests", "ReadmeExampleTests.cs"));
        var copied = test[(test.IndexOf("// --- README ---", StringComparison.Ordinal) + "// --- README ---".Length)..test.IndexOf("// --- end ---", StringComparison.Ordinal)];
        var readme = CSharpBlock().Matches(Readme()).Single(b => b.Groups["code"].Value.Contains("var explainer = new CamExplainer(model, layer);", StringComparison.Ordinal)).Groups["code"].Value;
        static string Normalise(string code) => string.Join("\n", code.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith("using CamSdk", StringComparison.Ordinal)));
        Assert.Equal(Normalise(readme), Normalise(copied));
    }
}
