using System.Threading;
using CamSdk.Generators.Parsing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace CamSdk.Generators.Diagnostics;

/// <summary>Recognises a call of an annotated model's Explain methods: the runtime's extensions, or the overloads generated for it.</summary>
internal static class ExplainCalls
{
    /// <summary>The method called and the model it explains, when <paramref name="invocation"/> is such a call.</summary>
    public static (IMethodSymbol Method, INamedTypeSymbol Model)? Resolve(InvocationExpressionSyntax invocation, SemanticModel semanticModel, KnownTypes known, CancellationToken cancellationToken)
    {
        if (semanticModel.GetSymbolInfo(invocation, cancellationToken).Symbol is not IMethodSymbol method || !method.Name.StartsWith("Explain", System.StringComparison.Ordinal))
        {
            return null;
        }

        // model.Explain(...) on the runtime's extensions: the model is the receiver; on a generated overload, the containing type.
        var model = method.ReducedFrom is { } extension && extension.ContainingType.ToDisplayString() == KnownNames.ExplainableModelExtensions
            ? method.ReceiverType as INamedTypeSymbol
            : method.ContainingType;
        return model is not null && ModelInspector.IsAnnotated(model.OriginalDefinition, known) ? (method, model) : null;
    }
}
