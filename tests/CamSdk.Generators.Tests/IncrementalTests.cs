using CamSdk.Generators.Tests.Support;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using static CamSdk.Generators.Tests.Support.Sources;

namespace CamSdk.Generators.Tests;

/// <summary>What an edit re-runs: the IDE calls the generator on every keystroke.</summary>
public sealed class IncrementalTests
{
    private static readonly CSharpParseOptions Options = new(LanguageVersion.Latest, DocumentationMode.Diagnose);

    private static IncrementalStepRunReason[] Reasons(GeneratorDriver driver, string step) =>
        driver.GetRunResult().Results.Single().TrackedSteps[step].SelectMany(s => s.Outputs).Select(o => o.Reason).ToArray();

    private static IncrementalStepRunReason[] OutputReasons(GeneratorDriver driver) =>
        driver.GetRunResult().Results.Single().TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs).Select(o => o.Reason).ToArray();

    [Fact]
    public void UnrelatedFileAddedLeavesEverythingCached()
    {
        var compilation = Harness.Compile(ShapeNet);
        var driver = Harness.Driver().RunGenerators(compilation);
        driver = driver.RunGenerators(compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("public static class Unrelated { public static int Two => 2; }", Options)));
        Assert.All(NotEmpty(Reasons(driver, TrackingNames.Models)), r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, r.ToString()));
        Assert.All(NotEmpty(Reasons(driver, TrackingNames.DistinctModels)), r => Assert.Equal(IncrementalStepRunReason.Cached, r));
        Assert.All(NotEmpty(OutputReasons(driver)), r => Assert.Equal(IncrementalStepRunReason.Cached, r));
    }

    [Fact]
    public void EditInsideTheModelOutsideItsAnnotationsRegeneratesNothing()
    {
        var compilation = Harness.Compile(ShapeNet);
        var driver = Harness.Driver().RunGenerators(compilation);
        var edited = ShapeNet.Replace("fc.call(conv2.call(features.call(x)).mean([2L, 3L]))", "fc.call(conv2.call(features.call(x)).amax([2L, 3L]))");
        driver = driver.RunGenerators(compilation.ReplaceSyntaxTree(compilation.SyntaxTrees.Single(), CSharpSyntaxTree.ParseText(edited, Options, "Model0.cs")));
        Assert.All(NotEmpty(Reasons(driver, TrackingNames.Models)), r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, r.ToString()));
        Assert.All(NotEmpty(OutputReasons(driver)), r => Assert.Equal(IncrementalStepRunReason.Cached, r));
    }

    [Fact]
    public void RenamedAnnotatedFieldRegeneratesTheModel()
    {
        var compilation = Harness.Compile(ShapeNet);
        var driver = Harness.Driver().RunGenerators(compilation);
        var renamed = ShapeNet.Replace("conv2", "block2");
        driver = driver.RunGenerators(compilation.ReplaceSyntaxTree(compilation.SyntaxTrees.Single(), CSharpSyntaxTree.ParseText(renamed, Options, "Model0.cs")));
        Assert.Contains(IncrementalStepRunReason.Modified, Reasons(driver, TrackingNames.Models));
        Assert.Contains(IncrementalStepRunReason.Modified, OutputReasons(driver));
        Assert.Contains("Layers.Block2 => this.block2", driver.GetRunResult().GeneratedTrees.Single().ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void SecondModelAddedLeavesTheFirstCached()
    {
        var compilation = Harness.Compile(ShapeNet);
        var driver = Harness.Driver().RunGenerators(compilation);
        driver = driver.RunGenerators(compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText(Usings + """
            namespace Other;

            [ClassHead(2)]
            public partial class OtherNet : nn.Module<Tensor, Tensor>
            {
                [ExplainLayer] private readonly Conv2d conv = nn.Conv2d(3, 4, 3);
                public OtherNet() : base("other") => RegisterComponents();
                public override Tensor forward(Tensor x) => conv.call(x).mean([2L, 3L]);
            }
            """, Options, "Model1.cs")));
        var outputs = driver.GetRunResult().Results.Single().TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs).ToList();
        Assert.Equal(2, outputs.Count);
        Assert.Contains(IncrementalStepRunReason.Cached, outputs.Select(o => o.Reason));
        Assert.Contains(IncrementalStepRunReason.New, outputs.Select(o => o.Reason));
    }

    /// <summary>Fails on an empty list: Assert.All passes on one, so a step that tracked nothing would pass unseen.</summary>
    private static IReadOnlyList<T> NotEmpty<T>(IEnumerable<T> items)
    {
        var list = items.ToList();
        Assert.NotEmpty(list);
        return list;
    }
}
