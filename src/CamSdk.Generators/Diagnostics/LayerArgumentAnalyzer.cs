using System.Collections.Immutable;
using System.Linq;
using CamSdk.Generators.Parsing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace CamSdk.Generators.Diagnostics;

/// <summary>
/// Reports an Explain call without a layer on a model with several explainable layers and no default one (CAM020): the
/// runtime's Explain methods take the default layer when none is given, and this model has none.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class LayerArgumentAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.LayerRequired);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(static start =>
        {
            var known = KnownTypes.From(start.Compilation);
            if (known.ExplainLayer is null)
            {
                return;
            }

            start.RegisterSyntaxNodeAction(node => Analyze(node, known), SyntaxKind.InvocationExpression);
        });
    }

    private static void Analyze(SyntaxNodeAnalysisContext context, KnownTypes known)
    {
        var invocation = (InvocationExpressionSyntax)context.Node;
        if (ExplainCalls.Resolve(invocation, context.SemanticModel, known, context.CancellationToken) is not var (method, model)
            || method.ReducedFrom is null
            || method.Parameters.All(p => p.Name != "layer")
            || Arguments.For(invocation, method, "layer") is not null
            || ModelInspector.Inspect(model.OriginalDefinition, known, null, context.CancellationToken) is not { } info
            || info.Layers.Count < 2
            || info.Layers.Any(l => l.IsDefault))
        {
            return;
        }

        context.ReportDiagnostic(Diagnostic.Create(Descriptors.LayerRequired, invocation.GetLocation(),
            model.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat), info.Layers.Count, info.Layers[0].EnumName));
    }
}
