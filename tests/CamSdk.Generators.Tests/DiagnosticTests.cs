using CamSdk.Generators.Tests.Support;
using Microsoft.CodeAnalysis;
using static CamSdk.Generators.Tests.Support.Sources;

namespace CamSdk.Generators.Tests;

/// <summary>Each diagnostic: its id, severity and exact location, on the smallest model that shows it.</summary>
public sealed class DiagnosticTests
{
    private static readonly string DiagnosticPages = Path.Combine(RepositoryRoot(), "docs", "diagnostics");

    private static string RepositoryRoot([System.Runtime.CompilerServices.CallerFilePath] string testFile = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(testFile)!, "..", ".."));

    private const string Body = """
            private readonly Linear fc = nn.Linear(4, 2);

            public override Tensor forward(Tensor x) => fc.call(conv.call(x).mean([2L, 3L]));
        """;

    private static void AssertReports(string id, DiagnosticSeverity severity, string markup, params string[] messageParts)
    {
        var (source, span) = Markup.Parse(Usings + markup);
        var diagnostics = Harness.Diagnose(source);
        var matching = diagnostics.Where(d => d.Id == id).ToList();
        Assert.True(matching.Count == 1, $"expected one {id}, got:\n{string.Join("\n", diagnostics)}");
        var diagnostic = matching[0];
        Assert.Equal(severity, diagnostic.Severity);
        Assert.Equal(span, diagnostic.Location.SourceSpan);
        Assert.Equal("Model0.cs", diagnostic.Location.SourceTree!.FilePath);
        Assert.Equal(string.Empty, diagnostic.Descriptor.HelpLinkUri); // no invented URL: the page is docs/diagnostics/<id>.md
        Assert.True(File.Exists(Path.Combine(DiagnosticPages, $"{id}.md")), $"docs/diagnostics/{id}.md is missing");
        foreach (var part in messageParts)
        {
            Assert.Contains(part, diagnostic.GetMessage(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void CAM001_ModelNotPartial() => AssertReports("CAM001", DiagnosticSeverity.Error, $$"""
        [ClassHead(2)]
        public class [|Net|] : nn.Module<Tensor, Tensor>
        {
            [ExplainLayer] private readonly Conv2d conv = nn.Conv2d(3, 4, 3);
            public Net() : base("n") { }
        {{Body}}
        }
        """, "'Net' must be declared partial", "add the 'partial' modifier");

    [Fact]
    public void CAM002_ContainingTypeNotPartial() => AssertReports("CAM002", DiagnosticSeverity.Error, $$"""
        public static class [|Outer|]
        {
            [ClassHead(2)]
            public partial class Net : nn.Module<Tensor, Tensor>
            {
                [ExplainLayer] private readonly Conv2d conv = nn.Conv2d(3, 4, 3);
                public Net() : base("n") { }
        {{Body}}
            }
        }
        """, "The type 'Outer' contains the explained model", "add the 'partial' modifier");

    [Fact]
    public void CAM003_NotATorchSharpModule() => AssertReports("CAM003", DiagnosticSeverity.Error, """
        [ClassHead(2)]
        public partial class [|Net|]
        {
            [ExplainLayer] private readonly Conv2d conv = nn.Conv2d(3, 4, 3);
        }
        """, "must derive from TorchSharp's nn.Module<Tensor, Tensor>");

    [Fact]
    public void CAM004_NoExplainLayer() => AssertReports("CAM004", DiagnosticSeverity.Error, $$"""
        [ClassHead(2)]
        public partial class [|Net|] : nn.Module<Tensor, Tensor>
        {
            private readonly Conv2d conv = nn.Conv2d(3, 4, 3);
            public Net() : base("n") { }
        {{Body}}
        }
        """, "has a [ClassHead] but no [ExplainLayer]");

    [Fact]
    public void CAM005_ExplainLayerNotAModule() => AssertReports("CAM005", DiagnosticSeverity.Error, $$"""
        [ClassHead(2)]
        public partial class Net : nn.Module<Tensor, Tensor>
        {
            [ExplainLayer] private readonly Conv2d conv = nn.Conv2d(3, 4, 3);
            [ExplainLayer] private readonly Tensor [|mask|] = torch.ones(1);
            public Net() : base("n") { }
        {{Body}}
        }
        """, "'mask' is of type 'Tensor'");

    [Fact]
    public void CAM006_SeveralDefaultLayers() => AssertReports("CAM006", DiagnosticSeverity.Error, $$"""
        [ClassHead(2)]
        public partial class Net : nn.Module<Tensor, Tensor>
        {
            [ExplainLayer(IsDefault = true)] private readonly Conv2d conv = nn.Conv2d(3, 4, 3);
            [ExplainLayer(IsDefault = true)] private readonly Conv2d [|conv2|] = nn.Conv2d(4, 4, 3);
            public Net() : base("n") { }
        {{Body}}
        }
        """, "both 'conv' and 'conv2'");

    [Fact]
    public void CAM007_MissingClassHead() => AssertReports("CAM007", DiagnosticSeverity.Warning, $$"""
        public partial class [|Net|] : nn.Module<Tensor, Tensor>
        {
            [ExplainLayer] private readonly Conv2d conv = nn.Conv2d(3, 4, 3);
            public Net() : base("n") { }
        {{Body}}
        }
        """, "has no [ClassHead]");

    [Fact]
    public void CAM008_DuplicateClassHead() => AssertReports("CAM008", DiagnosticSeverity.Error, $$"""
        [ClassHead(2)]
        public partial class Net : nn.Module<Tensor, Tensor>
        {
            [ExplainLayer] private readonly Conv2d conv = nn.Conv2d(3, 4, 3);
            public Net() : base("n") { }
            [[|ClassHead(2)|]] public Tensor Scores(Tensor output) => output;
        {{Body}}
        }
        """, "declares [ClassHead] more than once");

    [Fact]
    public void CAM009_LabelsNotAnEnum() => AssertReports("CAM009", DiagnosticSeverity.Error, $$"""
        public sealed class Labels { }

        [ClassHead([|typeof(Labels)|])]
        public partial class Net : nn.Module<Tensor, Tensor>
        {
            [ExplainLayer] private readonly Conv2d conv = nn.Conv2d(3, 4, 3);
            public Net() : base("n") { }
        {{Body}}
        }
        """, "'Labels' is not an enum");

    [Fact]
    public void CAM010_LabelsNotContiguous() => AssertReports("CAM010", DiagnosticSeverity.Error, $$"""
        public enum Animal { Cat = 0, [|Dog|] = 2 }

        [ClassHead(typeof(Animal))]
        public partial class Net : nn.Module<Tensor, Tensor>
        {
            [ExplainLayer] private readonly Conv2d conv = nn.Conv2d(3, 4, 3);
            public Net() : base("n") { }
        {{Body}}
        }
        """, "'Dog' is 2");

    [Fact]
    public void CAM011_ScoreMethodSignature() => AssertReports("CAM011", DiagnosticSeverity.Error, $$"""
        public partial class Net : nn.Module<Tensor, Tensor>
        {
            [ExplainLayer] private readonly Conv2d conv = nn.Conv2d(3, 4, 3);
            public Net() : base("n") { }
            [ClassHead(2)] public static Tensor [|Scores|](Tensor output) => output;
        {{Body}}
        }
        """, "must be an instance method 'Tensor Scores(Tensor output)'");

    [Fact]
    public void CAM012_ExplainLayerCalledWithForward() => AssertReports("CAM012", DiagnosticSeverity.Error, """
        [ClassHead(2)]
        public partial class Net : nn.Module<Tensor, Tensor>
        {
            [ExplainLayer] private readonly Conv2d conv = nn.Conv2d(3, 4, 3);
            private readonly Linear fc = nn.Linear(4, 2);
            public Net() : base("n") { }
            public override Tensor forward(Tensor x) => fc.call(conv.[|forward|](x).mean([2L, 3L]));
        }
        """, "'conv.forward(...)' does not run TorchSharp's hooks", "call 'conv.call(...)'");

    [Fact]
    public void CAM013_ReluCalledWithForward() => AssertReports("CAM013", DiagnosticSeverity.Warning, """
        [ClassHead(2)]
        public partial class Net : nn.Module<Tensor, Tensor>
        {
            [ExplainLayer] private readonly Conv2d conv = nn.Conv2d(3, 4, 3);
            private readonly ReLU relu = nn.ReLU();
            private readonly Linear fc = nn.Linear(4, 2);
            public Net() : base("n") { }
            public override Tensor forward(Tensor x) => fc.call(relu.[|forward|](conv.call(x)).mean([2L, 3L]));
        }
        """, "Guided Backpropagation cannot guide this ReLU");

    [Fact]
    public void CAM014_FunctionalRelu() => AssertReports("CAM014", DiagnosticSeverity.Warning, """
        [ClassHead(2)]
        public partial class Net : nn.Module<Tensor, Tensor>
        {
            [ExplainLayer] private readonly Conv2d conv = nn.Conv2d(3, 4, 3);
            private readonly Linear fc = nn.Linear(4, 2);
            public Net() : base("n") { }
            public override Tensor forward(Tensor x) => fc.call(conv.call(x).[|relu|]().mean([2L, 3L]));
        }
        """, "'conv.call(x).relu' applies a ReLU that no hook can reach");

    [Fact]
    public void CAM014_FunctionalReluThroughNnFunctional() => AssertReports("CAM014", DiagnosticSeverity.Warning, """
        [ClassHead(2)]
        public partial class Net : nn.Module<Tensor, Tensor>
        {
            [ExplainLayer] private readonly Conv2d conv = nn.Conv2d(3, 4, 3);
            private readonly Linear fc = nn.Linear(4, 2);
            public Net() : base("n") { }
            public override Tensor forward(Tensor x) => fc.call(nn.functional.[|relu|](conv.call(x), inplace: true).mean([2L, 3L]));
        }
        """, "nn.functional.relu");

    [Fact]
    public void CAM015_InPlaceRelu() => AssertReports("CAM015", DiagnosticSeverity.Warning, $$"""
        [ClassHead(2)]
        public partial class Net : nn.Module<Tensor, Tensor>
        {
            [ExplainLayer] private readonly Conv2d conv = nn.Conv2d(3, 4, 3);
            private readonly ReLU relu = [|nn.ReLU(inplace: true)|];
            public Net() : base("n") { }
        {{Body}}
        }
        """, "nn.ReLU(inplace: true) overwrites its input");

    [Fact]
    public void CAM016_ClassIndexOutOfRange() => AssertReports("CAM016", DiagnosticSeverity.Error, ShapeNet.Replace(Usings, string.Empty) + """

        public static class Use
        {
            public static void Run(ShapeNet net, Tensor image) => net.Explain(image, [|3|]).Dispose();
        }
        """, "Class index 3 is out of range: 'ShapeNet' has 3 classes, so valid indices are 0 to 2");

    [Fact]
    public void CAM016_NamedClassIndexOfGuidedCall() => AssertReports("CAM016", DiagnosticSeverity.Error, ShapeNet.Replace(Usings, string.Empty) + """

        public static class Use
        {
            public static void Run(ShapeNet net, Tensor image) => net.ExplainGuided(image, layer: ShapeNet.Layers.Conv2, [|classIndex: -1|]).Dispose();
        }
        """, "Class index -1 is out of range");

    [Fact]
    public void CAM017_DerivedFromAnnotatedModel() => AssertReports("CAM017", DiagnosticSeverity.Error, ShapeNet.Replace(Usings, string.Empty).Replace("public partial class ShapeNet", "public partial class ShapeNet").Replace("public ShapeNet() : base(nameof(ShapeNet)) => RegisterComponents();", "public ShapeNet() : base(nameof(ShapeNet)) => RegisterComponents();\n    protected ShapeNet(string name) : base(name) { }") + """

        [ClassHead(typeof(Shape))]
        public partial class [|BiggerNet|] : ShapeNet
        {
            [ExplainLayer] private readonly Conv2d conv3 = nn.Conv2d(8, 8, 3);
            public BiggerNet() : base("bigger") { }
        }
        """, "derives from 'ShapeNet'");

    [Fact]
    public void CAM018_DuplicateLayerName() => AssertReports("CAM018", DiagnosticSeverity.Error, $$"""
        [ClassHead(2)]
        public partial class Net : nn.Module<Tensor, Tensor>
        {
            [ExplainLayer] private readonly Conv2d conv = nn.Conv2d(3, 4, 3);
            [ExplainLayer(Name = "Conv")] private readonly Conv2d [|other|] = nn.Conv2d(4, 4, 3);
            public Net() : base("n") { }
        {{Body}}
        }
        """, "'conv' and 'other' would both be named 'Conv'");

    [Fact]
    public void CAM019_ClassCountNotPositive() => AssertReports("CAM019", DiagnosticSeverity.Error, $$"""
        [ClassHead([|0|])]
        public partial class Net : nn.Module<Tensor, Tensor>
        {
            [ExplainLayer] private readonly Conv2d conv = nn.Conv2d(3, 4, 3);
            public Net() : base("n") { }
        {{Body}}
        }
        """, "[ClassHead(0)] must give a positive number of classes");

    [Fact]
    public void CAM020_LayerRequired() => AssertReports("CAM020", DiagnosticSeverity.Error, $$"""
        [ClassHead(2)]
        public partial class PairNet : nn.Module<Tensor, Tensor>
        {
            [ExplainLayer] private readonly Conv2d stem = nn.Conv2d(3, 4, 3);
            [ExplainLayer] private readonly Conv2d block = nn.Conv2d(4, 4, 3);
            public PairNet() : base("pair") { }
        {{Body}}
        }

        public static class Use
        {
            public static void Run(PairNet net, Tensor image)
            {
                net.Explain(image, 1, PairNet.Layers.Block).Dispose();  // a layer: fine
                [|net.ExplainPredicted(image)|].Dispose();
            }
        }
        """, "'PairNet' has 2 explainable layers and none is the default: pass the layer to explain (layer: PairNet.Layers.Stem)");

    [Fact]
    public void ValidModelHasNoDiagnostic() => Assert.Empty(Harness.Diagnose(ShapeNet));

    [Fact]
    public void InvalidModelIsNotGenerated()
    {
        var (source, _) = Markup.Parse(Usings + """
            [ClassHead(2)]
            public class [|Net|] : nn.Module<Tensor, Tensor>
            {
                [ExplainLayer] private readonly Conv2d conv = nn.Conv2d(3, 4, 3);
                public Net() : base("n") { }
                public override Tensor forward(Tensor x) => conv.call(x);
            }
            """);
        var result = Harness.Driver().RunGenerators(Harness.Compile(source)).GetRunResult();
        Assert.Empty(result.GeneratedTrees);
        Assert.NotEmpty(Harness.Diagnose(source)); // not generated because it is invalid, not because nothing runs
    }
}
