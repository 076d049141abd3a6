using System.Collections.Immutable;
using CamSdk.Generators.CodeFixes;
using CamSdk.Generators.Tests.Support;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using static CamSdk.Generators.Tests.Support.Sources;

namespace CamSdk.Generators.Tests;

/// <summary>The code fixes, applied in a workspace as the IDE applies them.</summary>
public sealed class CodeFixTests
{
    private static async Task<string> ApplyFix(string source, string id, CodeFixProvider fix)
    {
        using var workspace = new AdhocWorkspace();
        var project = workspace.AddProject("User", LanguageNames.CSharp)
            .WithMetadataReferences(Harness.References)
            .WithCompilationOptions(new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable))
            .WithParseOptions(new CSharpParseOptions(LanguageVersion.Latest));
        var document = project.AddDocument("Model0.cs", SourceText.From(source));
        var compilation = (await document.Project.GetCompilationAsync())!;
        var diagnostic = Harness.AnalyzerDiagnostics(compilation).Single(d => d.Id == id);

        var actions = new List<CodeAction>();
        await fix.RegisterCodeFixesAsync(new CodeFixContext(document, diagnostic, (action, _) => actions.Add(action), CancellationToken.None));
        var operation = (await Assert.Single(actions).GetOperationsAsync(CancellationToken.None)).OfType<ApplyChangesOperation>().Single();
        var fixedDocument = operation.ChangedSolution.GetDocument(document.Id)!;
        var fixedCompilation = (await fixedDocument.Project.GetCompilationAsync())!;
        Assert.DoesNotContain(Harness.AnalyzerDiagnostics(fixedCompilation), d => d.Id == id);
        return (await fixedDocument.GetTextAsync()).ToString();
    }

    [Fact]
    public async Task MakePartialAddsTheModifier()
    {
        var source = Usings + """
            [ClassHead(2)]
            public sealed class Net : nn.Module<Tensor, Tensor>
            {
                [ExplainLayer] private readonly Conv2d conv = nn.Conv2d(3, 4, 3);
                public Net() : base("n") { }
                public override Tensor forward(Tensor x) => conv.call(x);
            }
            """;
        var result = await ApplyFix(source, "CAM001", new MakePartialCodeFix());
        Assert.Equal(source.Replace("public sealed class Net", "public sealed partial class Net"), result);
    }

    [Fact]
    public async Task MakePartialFixesAContainingTypeWithoutModifiers()
    {
        var source = Usings + """
            class Outer
            {
                [ClassHead(2)]
                public partial class Net : nn.Module<Tensor, Tensor>
                {
                    [ExplainLayer] private readonly Conv2d conv = nn.Conv2d(3, 4, 3);
                    public Net() : base("n") { }
                    public override Tensor forward(Tensor x) => conv.call(x);
                }
            }
            """;
        var result = await ApplyFix(source, "CAM002", new MakePartialCodeFix());
        Assert.Equal(source.Replace("class Outer", "partial class Outer"), result);
    }

    [Theory]
    [InlineData("CAM012", "conv.forward(x)", "conv.call(x)")]
    [InlineData("CAM013", "relu.forward(conv.call(x))", "relu.call(conv.call(x))")]
    public async Task ForwardBecomesCall(string id, string before, string after)
    {
        var source = Usings + $$"""
            [ClassHead(2)]
            public partial class Net : nn.Module<Tensor, Tensor>
            {
                [ExplainLayer] private readonly Conv2d conv = nn.Conv2d(3, 4, 3);
                private readonly ReLU relu = nn.ReLU();
                public Net() : base("n") { }
                public override Tensor forward(Tensor x) => {{(id == "CAM012" ? "relu.call(" + before + ")" : before)}};
            }
            """;
        var result = await ApplyFix(source, id, new ForwardToCallCodeFix());
        Assert.Equal(source.Replace(before, after), result);
    }
}
