using System.Linq;
using CamSdk.Generators.Emitting;
using CamSdk.Generators.Parsing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace CamSdk.Generators;

/// <summary>
/// Gives every model with [ExplainLayer] members a typed explanation API. Invalid models are skipped here and
/// reported by <see cref="Diagnostics.ModelAnalyzer"/>.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class ExplainGenerator : IIncrementalGenerator
{
    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var models = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                KnownNames.ExplainLayerAttribute,
                static (node, _) => node is VariableDeclaratorSyntax or PropertyDeclarationSyntax,
                static (context, cancellationToken) => context.TargetSymbol.ContainingType is { } type
                    ? ModelInspector.Inspect(type, KnownTypes.From(context.SemanticModel.Compilation), problems: null, cancellationToken)
                    : null)
            .Where(static model => model is not null)
            .WithTrackingName(TrackingNames.Models);

        // A model with several annotated members arrives once per member: keep one.
        var distinct = models
            .Collect()
            .SelectMany(static (all, _) => all.Distinct())
            .WithTrackingName(TrackingNames.DistinctModels);

        context.RegisterSourceOutput(distinct, static (output, model) =>
            output.AddSource(model!.HintName, SourceText.From(ModelEmitter.Emit(model), System.Text.Encoding.UTF8)));
    }
}
