using System.Collections.Concurrent;
using System.Collections.Immutable;
using CamSdk.Generators.Parsing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace CamSdk.Generators.Diagnostics;

/// <summary>
/// Finds, in explained models, what TorchSharp's hooks cannot see: layers run with <c>.forward(x)</c> (CAM012, CAM013),
/// functional ReLUs in <c>forward</c> (CAM014), and in-place ReLU modules (CAM015).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ForwardAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        Descriptors.ExplainLayerCalledWithForward,
        Descriptors.ReluCalledWithForward,
        Descriptors.FunctionalRelu,
        Descriptors.InPlaceRelu);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(static start =>
        {
            var known = KnownTypes.From(start.Compilation);
            if (known.ExplainLayer is null || known.Module is null)
            {
                return;
            }

            // Whether a type is an explained model, asked once per type rather than once per call in it.
            var models = new ConcurrentDictionary<INamedTypeSymbol, bool>(SymbolEqualityComparer.Default);
            start.RegisterSyntaxNodeAction(node => Analyze(node, known, models), SyntaxKind.InvocationExpression);
        });
    }

    private static void Analyze(SyntaxNodeAnalysisContext context, KnownTypes known, ConcurrentDictionary<INamedTypeSymbol, bool> models)
    {
        var invocation = (InvocationExpressionSyntax)context.Node;
        if (context.ContainingSymbol?.ContainingType is not { } model
            || !models.GetOrAdd(model, type => ModelInspector.IsAnnotated(type, known))
            || context.SemanticModel.GetSymbolInfo(invocation, context.CancellationToken).Symbol is not IMethodSymbol method)
        {
            return;
        }

        // nn.ReLU(inplace: true) anywhere in the model (field initialisers, constructor).
        if (method.Name == "ReLU" && known.Is(method.ContainingType, known.Nn) && IsTrue(context, invocation, method, "inplace"))
        {
            context.ReportDiagnostic(Diagnostic.Create(Descriptors.InPlaceRelu, invocation.GetLocation()));
            return;
        }

        if (context.ContainingSymbol is not IMethodSymbol { Name: "forward", IsOverride: true })
        {
            return;
        }

        if (method.Name == "forward" && invocation.Expression is MemberAccessExpressionSyntax access
            && context.SemanticModel.GetSymbolInfo(access.Expression, context.CancellationToken).Symbol is { Kind: SymbolKind.Field or SymbolKind.Property } member
            && SymbolEqualityComparer.Default.Equals(member.ContainingType, model))
        {
            var memberType = member is IFieldSymbol field ? field.Type : ((IPropertySymbol)member).Type;
            if (known.Find(member, known.ExplainLayer) is not null)
            {
                context.ReportDiagnostic(Diagnostic.Create(Descriptors.ExplainLayerCalledWithForward, access.Name.GetLocation(), access.Expression.ToString()));
            }
            else if (known.Is(memberType, known.ReLU))
            {
                context.ReportDiagnostic(Diagnostic.Create(Descriptors.ReluCalledWithForward, access.Name.GetLocation(), access.Expression.ToString()));
            }

            return;
        }

        if (method.Name is "relu" or "relu_"
            && (known.Is(method.ContainingType, known.Tensor) || known.Is(method.ContainingType, known.Functional) || known.Is(method.ContainingType, known.Torch)))
        {
            var location = invocation.Expression is MemberAccessExpressionSyntax call ? call.Name.GetLocation() : invocation.Expression.GetLocation();
            context.ReportDiagnostic(Diagnostic.Create(Descriptors.FunctionalRelu, location, invocation.Expression.ToString()));
        }
    }

    private static bool IsTrue(SyntaxNodeAnalysisContext context, InvocationExpressionSyntax invocation, IMethodSymbol method, string parameter) =>
        Arguments.For(invocation, method, parameter) is { } argument
        && context.SemanticModel.GetConstantValue(argument.Expression, context.CancellationToken) is { HasValue: true, Value: true };
}
