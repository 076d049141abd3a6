using System.Collections.Immutable;
using System.Linq;
using CamSdk.Generators.Parsing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace CamSdk.Generators.Diagnostics;

/// <summary>Reports a constant class index outside a model's [ClassHead] range in a call of its Explain methods (CAM016).</summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ClassIndexAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.ClassIndexOutOfRange);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(static start =>
        {
            var known = KnownTypes.From(start.Compilation);
            if (known.ClassHead is null)
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
            || method.Name is not ("Explain" or "ExplainGuided")
            || method.Parameters.FirstOrDefault(p => p.Name == "classIndex" && p.Type.SpecialType == SpecialType.System_Int32) is not { } parameter
            || model.GetMembers("ClassCount").OfType<IFieldSymbol>().FirstOrDefault() is not { IsConst: true, ConstantValue: int count })
        {
            return;
        }

        if (Arguments.For(invocation, method, parameter.Name) is { } argument
            && context.SemanticModel.GetConstantValue(argument.Expression, context.CancellationToken) is { HasValue: true, Value: int value }
            && (value < 0 || value >= count))
        {
            context.ReportDiagnostic(Diagnostic.Create(Descriptors.ClassIndexOutOfRange, argument.GetLocation(),
                value, model.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat), count, count - 1));
        }
    }
}
