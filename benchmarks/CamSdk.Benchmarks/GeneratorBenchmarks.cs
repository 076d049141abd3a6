using System.Text;
using BenchmarkDotNet.Attributes;
using CamSdk.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace CamSdk.Benchmarks;

/// <summary>
/// What the generator costs the IDE: a compilation of 200 annotated models among 2,000 plain classes,
/// generated from scratch, and generated again after one keystroke-sized edit in a plain class.
/// </summary>
[MemoryDiagnoser]
public class GeneratorBenchmarks
{
    private const int Models = 200;
    private const int PlainClasses = 2_000;

    private CSharpCompilation _compilation = null!;
    private GeneratorDriver _warmDriver = null!;
    private CSharpCompilation _edited = null!;

    [GlobalSetup]
    public void Setup()
    {
        var trees = new List<SyntaxTree>();
        for (int i = 0; i < Models; i++)
        {
            trees.Add(Parse(Model(i), $"Model{i}.cs"));
        }

        for (int i = 0; i < PlainClasses; i++)
        {
            trees.Add(Parse(Plain(i, edit: 0), $"Plain{i}.cs"));
        }

        var references = Basic.Reference.Assemblies.Net100.References.All.ToList<MetadataReference>();
        references.Add(MetadataReference.CreateFromFile(typeof(TorchSharp.torch).Assembly.Location));
        references.Add(MetadataReference.CreateFromFile(typeof(CamExplainer).Assembly.Location));
        _compilation = CSharpCompilation.Create("Bench", trees, references, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));

        _warmDriver = NewDriver().RunGenerators(_compilation);
        var old = _compilation.SyntaxTrees.Single(t => t.FilePath == "Plain1000.cs");
        _edited = _compilation.ReplaceSyntaxTree(old, Parse(Plain(1000, edit: 1), "Plain1000.cs"));

        var generated = _warmDriver.GetRunResult().GeneratedTrees.Length;
        if (generated != Models)
        {
            throw new InvalidOperationException($"Expected {Models} generated files, got {generated}.");
        }
    }

    /// <summary>A cold run: every model parsed and emitted.</summary>
    [Benchmark(Baseline = true)]
    public GeneratorDriver FullRun() => NewDriver().RunGenerators(_compilation);

    /// <summary>The IDE's common case: one edit outside the models, on a driver that has run before.</summary>
    [Benchmark]
    public GeneratorDriver IncrementalRunAfterOneEdit() => _warmDriver.RunGenerators(_edited);

    private static GeneratorDriver NewDriver() =>
        CSharpGeneratorDriver.Create([new ExplainGenerator().AsSourceGenerator()], driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: false));

    private static SyntaxTree Parse(string text, string path) =>
        CSharpSyntaxTree.ParseText(text, new CSharpParseOptions(LanguageVersion.Latest), path, Encoding.UTF8);

    private static string Model(int i) => $$"""
        using CamSdk;
        using TorchSharp;
        using TorchSharp.Modules;
        using static TorchSharp.torch;

        namespace Bench.Models{{i % 10}};

        public enum Labels{{i}} { A, B, C }

        [ClassHead(typeof(Labels{{i}}))]
        public partial class Net{{i}} : nn.Module<Tensor, Tensor>
        {
            [ExplainLayer(IsDefault = true)] private readonly Sequential features = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU());
            [ExplainLayer] private readonly Conv2d conv2 = nn.Conv2d(8, 8, 3);
            private readonly Linear fc = nn.Linear(8, 3);

            public Net{{i}}() : base("Net{{i}}") => RegisterComponents();

            public override Tensor forward(Tensor x) => fc.call(conv2.call(features.call(x)).mean([2L, 3L]));
        }
        """;

    private static string Plain(int i, int edit) => $$"""
        namespace Bench.Plain{{i % 20}};

        public sealed class Plain{{i}}
        {
            public int Value { get; set; } = {{i + edit}};

            public int Twice() => Value * 2;

            public override string ToString() => $"Plain{{i}} {Value}";
        }
        """;
}
