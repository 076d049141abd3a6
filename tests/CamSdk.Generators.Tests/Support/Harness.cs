using System.Collections;
using System.Collections.Immutable;
using System.Reflection;
using CamSdk.Generators.Diagnostics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace CamSdk.Generators.Tests.Support;

/// <summary>Compiles user code against .NET 10, TorchSharp and CamSdk, and runs the generator and analyzers on it.</summary>
internal static class Harness
{
    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest, DocumentationMode.Diagnose);

    internal static readonly ImmutableArray<MetadataReference> References =
    [
        .. Basic.Reference.Assemblies.Net100.References.All,
        MetadataReference.CreateFromFile(typeof(TorchSharp.torch).Assembly.Location),
        MetadataReference.CreateFromFile(typeof(CamExplainer).Assembly.Location),
        // The other packages, for code that uses them beside a model (the README's blocks).
        MetadataReference.CreateFromFile(typeof(CamSdk.Imaging.RgbImage).Assembly.Location),
        MetadataReference.CreateFromFile(typeof(CamSdk.Models.ModelWeights).Assembly.Location),
        MetadataReference.CreateFromFile(typeof(CamSdk.Evaluation.SanityCheck).Assembly.Location),
        MetadataReference.CreateFromFile(typeof(CamSdk.Onnx.OnnxModel).Assembly.Location),
    ];

    internal static readonly ImmutableArray<DiagnosticAnalyzer> Analyzers = [new ModelAnalyzer(), new ForwardAnalyzer(), new ClassIndexAnalyzer(), new LayerArgumentAnalyzer()];

    internal static CSharpCompilation Compile(params string[] sources) =>
        CSharpCompilation.Create(
            "UserCode",
            sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, ParseOptions, path: $"Model{i}.cs")),
            References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable)
                // As the .NET SDK does (TorchSharp is built against .NET 8's System.Runtime, unified with .NET 10's); user code
                // need not document itself, but every XML doc the generator writes is checked (bad crefs are warnings).
                .WithSpecificDiagnosticOptions([new("CS1701", ReportDiagnostic.Suppress), new("CS1702", ReportDiagnostic.Suppress), new("CS1591", ReportDiagnostic.Suppress)]));

    internal static GeneratorDriver Driver() =>
        CSharpGeneratorDriver.Create(
            [new ExplainGenerator().AsSourceGenerator()],
            parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>
    /// Runs the generator, asserts that user code plus generated code compiles without any diagnostic, and that a
    /// second run on a copy of the compilation is fully cached and holds no symbol, syntax node or compilation.
    /// </summary>
    internal static GeneratorDriverRunResult Generate(params string[] sources)
    {
        var compilation = Compile(sources);
        var driver = Driver().RunGeneratorsAndUpdateCompilation(compilation, out var output, out var generatorDiagnostics);
        Assert.Empty(generatorDiagnostics);
        var problems = output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        Assert.True(problems.Count == 0, "The user code with the generated code does not compile cleanly:\n" + string.Join("\n", problems));
        var analyzed = AnalyzerDiagnostics(output);
        Assert.True(analyzed.Length == 0, "Analyzers reported:\n" + string.Join("\n", analyzed));

        var result = driver.GetRunResult();
        AssertCachedOnSecondRun(driver, compilation.Clone());
        return result;
    }

    internal static ImmutableArray<Diagnostic> AnalyzerDiagnostics(Compilation compilation) =>
        compilation.WithAnalyzers(Analyzers).GetAnalyzerDiagnosticsAsync().GetAwaiter().GetResult();

    /// <summary>The analyzers' diagnostics on user code together with what the generator adds to it.</summary>
    internal static ImmutableArray<Diagnostic> Diagnose(params string[] sources)
    {
        Driver().RunGeneratorsAndUpdateCompilation(Compile(sources), out var output, out _);
        return AnalyzerDiagnostics(output);
    }

    internal static void AssertCachedOnSecondRun(GeneratorDriver driver, Compilation compilation)
    {
        var second = driver.RunGenerators(compilation).GetRunResult().Results.Single();
        foreach (var name in new[] { TrackingNames.Models, TrackingNames.DistinctModels })
        {
            Assert.True(second.TrackedSteps.ContainsKey(name), $"step {name} was not tracked");
            Assert.NotEmpty(second.TrackedSteps[name].SelectMany(s => s.Outputs));
            foreach (var step in second.TrackedSteps[name])
            {
                foreach (var (value, reason) in step.Outputs)
                {
                    Assert.True(reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{name} ran again: {reason}");
                    AssertPlainValues(value, name, depth: 0);
                }
            }
        }
    }

    /// <summary>Pipeline values must not hold what keeps a compilation alive (the cookbook's rule).</summary>
    private static void AssertPlainValues(object? value, string path, int depth)
    {
        if (value is null || depth > 8 || value is string || value.GetType().IsPrimitive || value.GetType().IsEnum)
        {
            return;
        }

        Assert.False(value is ISymbol or SyntaxNode or Compilation or SemanticModel or Location or SyntaxTree, $"{path} holds a {value.GetType().Name}");
        if (value is IEnumerable items)
        {
            foreach (var item in items)
            {
                AssertPlainValues(item, path + "[]", depth + 1);
            }

            return;
        }

        foreach (var property in value.GetType().GetProperties(BindingFlags.Instance | BindingFlags.Public))
        {
            if (property.GetIndexParameters().Length == 0)
            {
                AssertPlainValues(property.GetValue(value), $"{path}.{property.Name}", depth + 1);
            }
        }
    }
}
