using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace CamSdk.Generators.CodeFixes;

/// <summary>CAM012, CAM013: rewrites <c>member.forward(x)</c> as <c>member.call(x)</c>, which runs TorchSharp's hooks.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(ForwardToCallCodeFix)), Shared]
public sealed class ForwardToCallCodeFix : CodeFixProvider
{
    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create("CAM012", "CAM013");

    /// <inheritdoc />
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc />
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        foreach (var diagnostic in context.Diagnostics)
        {
            if (root?.FindNode(diagnostic.Location.SourceSpan) is IdentifierNameSyntax { Identifier.Text: "forward" } name)
            {
                var call = name.WithIdentifier(SyntaxFactory.Identifier(name.Identifier.LeadingTrivia, "call", name.Identifier.TrailingTrivia));
                context.RegisterCodeFix(
                    CodeAction.Create("Use .call(...), which runs hooks", _ => Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(name, call))), nameof(ForwardToCallCodeFix)),
                    diagnostic);
            }
        }
    }
}
