using System.Collections.Generic;
using System.Collections.Immutable;
using CamSdk.Generators.Parsing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace CamSdk.Generators.Diagnostics;

/// <summary>Reports what makes an annotated model unexplainable (CAM001–CAM011, CAM017–CAM019).</summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ModelAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        Descriptors.ModelNotPartial,
        Descriptors.ContainingTypeNotPartial,
        Descriptors.NotATorchSharpModule,
        Descriptors.NoExplainLayer,
        Descriptors.ExplainLayerNotAModule,
        Descriptors.SeveralDefaultLayers,
        Descriptors.MissingClassHead,
        Descriptors.DuplicateClassHead,
        Descriptors.LabelsNotAnEnum,
        Descriptors.LabelsNotContiguous,
        Descriptors.ScoreMethodSignature,
        Descriptors.DerivedFromAnnotatedModel,
        Descriptors.DuplicateLayerName,
        Descriptors.ClassCountNotPositive);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(static start =>
        {
            var known = KnownTypes.From(start.Compilation);
            if (known.ExplainLayer is null || known.ClassHead is null)
            {
                return; // CamSdk is not referenced
            }

            start.RegisterSymbolAction(symbolContext =>
            {
                var type = (INamedTypeSymbol)symbolContext.Symbol;
                if (!ModelInspector.IsAnnotated(type, known))
                {
                    return;
                }

                var problems = new List<Diagnostic>();
                ModelInspector.Inspect(type, known, problems, symbolContext.CancellationToken);
                foreach (var problem in problems)
                {
                    symbolContext.ReportDiagnostic(problem);
                }
            }, SymbolKind.NamedType);
        });
    }
}
