using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading;
using CamSdk.Generators.Diagnostics;
using CamSdk.Generators.Helpers;
using CamSdk.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace CamSdk.Generators.Parsing;

/// <summary>
/// Reads a model class's [ExplainLayer] and [ClassHead] declarations: the generator takes the <see cref="ModelInfo"/>
/// of a valid model, the analyzer reports the problems of an invalid one. One place decides what is valid.
/// </summary>
internal static class ModelInspector
{
    /// <summary>Whether a type takes part at all: it declares an [ExplainLayer] member or a [ClassHead].</summary>
    public static bool IsAnnotated(INamedTypeSymbol type, KnownTypes known) =>
        known.Find(type, known.ClassHead) is not null
        || type.GetMembers().Any(m => known.Find(m, known.ExplainLayer) is not null || (m is IMethodSymbol && known.Find(m, known.ClassHead) is not null));

    /// <summary>Inspects a model class; <paramref name="problems"/> receives every diagnostic (null when not wanted).</summary>
    /// <returns>The model to generate, or null if it is invalid.</returns>
    public static ModelInfo? Inspect(INamedTypeSymbol type, KnownTypes known, List<Diagnostic>? problems, CancellationToken cancellationToken)
    {
        var valid = true;
        void Report(DiagnosticDescriptor descriptor, Location? location, params object[] arguments)
        {
            if (descriptor.DefaultSeverity == DiagnosticSeverity.Error)
            {
                valid = false;
            }

            problems?.Add(Diagnostic.Create(descriptor, location ?? Location.None, arguments));
        }

        var name = type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat);
        if (!IsPartial(type))
        {
            Report(Descriptors.ModelNotPartial, IdentifierLocation(type), name);
        }

        for (var outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
        {
            if (!IsPartial(outer))
            {
                Report(Descriptors.ContainingTypeNotPartial, IdentifierLocation(outer), outer.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat), name);
            }
        }

        if (type.TypeKind != TypeKind.Class || !known.IsTensorModule(type))
        {
            Report(Descriptors.NotATorchSharpModule, IdentifierLocation(type), name);
        }

        var layers = new List<LayerInfo>();
        string? firstDefault = null;
        foreach (var member in type.GetMembers())
        {
            cancellationToken.ThrowIfCancellationRequested();
            var attribute = known.Find(member, known.ExplainLayer);
            if (attribute is null || member.IsImplicitlyDeclared)
            {
                continue;
            }

            var (memberType, isProperty, readable) = member switch
            {
                IFieldSymbol field => (field.Type, false, true),
                IPropertySymbol property => (property.Type, true, property.GetMethod is not null && !property.IsIndexer),
                _ => (null, false, false),
            };
            if (memberType is null || member.IsStatic || !readable || !known.IsTensorModule(memberType))
            {
                Report(Descriptors.ExplainLayerNotAModule, IdentifierLocation(member), member.Name,
                    memberType?.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat) ?? member.Kind.ToString());
                continue;
            }

            var isDefault = NamedArgument(attribute, "IsDefault") is true;
            var enumName = NamedArgument(attribute, "Name") as string is { Length: > 0 } given ? given : PascalCase(member.Name);
            if (isDefault && firstDefault is not null)
            {
                Report(Descriptors.SeveralDefaultLayers, IdentifierLocation(member), name, firstDefault, member.Name);
            }

            firstDefault ??= isDefault ? member.Name : null;
            var clash = layers.FirstOrDefault(l => l.EnumName == enumName);
            if (clash is not null)
            {
                Report(Descriptors.DuplicateLayerName, IdentifierLocation(member), clash.MemberName, member.Name, enumName);
            }

            layers.Add(new LayerInfo(member.Name, enumName, isDefault, isProperty, memberType.NullableAnnotation == NullableAnnotation.Annotated));
        }

        var heads = new List<(ISymbol Owner, AttributeData Attribute)>();
        if (known.Find(type, known.ClassHead) is { } classHead)
        {
            heads.Add((type, classHead));
        }

        foreach (var method in type.GetMembers().OfType<IMethodSymbol>())
        {
            if (known.Find(method, known.ClassHead) is { } methodHead)
            {
                heads.Add((method, methodHead));
            }
        }

        var hasLayerAttributes = type.GetMembers().Any(m => known.Find(m, known.ExplainLayer) is not null);
        if (!hasLayerAttributes)
        {
            Report(Descriptors.NoExplainLayer, IdentifierLocation(type), name);
        }

        for (var ancestor = type.BaseType; ancestor is not null && hasLayerAttributes; ancestor = ancestor.BaseType)
        {
            if (ancestor.GetMembers().Any(m => known.Find(m, known.ExplainLayer) is not null))
            {
                Report(Descriptors.DerivedFromAnnotatedModel, IdentifierLocation(type), name, ancestor.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat));
                break;
            }
        }

        var head = HeadKind.Unknown;
        var classCount = 0;
        string? labelsType = null;
        var labels = new List<string>();
        string? scoreMethod = null;
        if (heads.Count == 0 && layers.Count > 0)
        {
            Report(Descriptors.MissingClassHead, IdentifierLocation(type), name);
        }

        foreach (var extra in heads.Skip(1))
        {
            Report(Descriptors.DuplicateClassHead, AttributeLocation(extra.Attribute), name);
        }

        if (heads.Count > 0)
        {
            var (owner, attribute) = heads[0];
            if (owner is IMethodSymbol method)
            {
                if (method.IsStatic || method.IsGenericMethod || method.Parameters.Length != 1
                    || !known.Is(method.Parameters[0].Type, known.Tensor) || !known.Is(method.ReturnType, known.Tensor))
                {
                    Report(Descriptors.ScoreMethodSignature, IdentifierLocation(method), method.Name);
                }

                scoreMethod = method.Name;
            }

            var argument = attribute.ConstructorArguments.Length == 1 ? attribute.ConstructorArguments[0] : default;
            if (argument.Kind == TypedConstantKind.Type && argument.Value is INamedTypeSymbol labelsSymbol)
            {
                if (labelsSymbol.TypeKind != TypeKind.Enum)
                {
                    Report(Descriptors.LabelsNotAnEnum, ArgumentLocation(attribute), labelsSymbol.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat));
                }
                else
                {
                    var members = labelsSymbol.GetMembers().OfType<IFieldSymbol>().Where(f => f.HasConstantValue)
                        .Select(f => (f.Name, Value: System.Convert.ToInt64(f.ConstantValue, System.Globalization.CultureInfo.InvariantCulture), Field: f))
                        .OrderBy(m => m.Value).ToList();
                    for (int i = 0; i < members.Count; i++)
                    {
                        if (members[i].Value != i)
                        {
                            Report(Descriptors.LabelsNotContiguous, IdentifierLocation(members[i].Field) ?? ArgumentLocation(attribute),
                                labelsSymbol.Name, members.Count - 1, members[i].Name, members[i].Value);
                            break;
                        }
                    }

                    head = HeadKind.Labels;
                    classCount = members.Count;
                    labelsType = labelsSymbol.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
                    labels.AddRange(members.Select(m => m.Name));
                    if (classCount == 0)
                    {
                        Report(Descriptors.ClassCountNotPositive, ArgumentLocation(attribute), $"typeof({labelsSymbol.Name})");
                    }
                }
            }
            else if (argument.Kind == TypedConstantKind.Primitive && argument.Value is int count)
            {
                if (count <= 0)
                {
                    Report(Descriptors.ClassCountNotPositive, ArgumentLocation(attribute), count);
                }

                head = HeadKind.Count;
                classCount = count;
            }
        }

        if (!valid)
        {
            return null;
        }

        return new ModelInfo(
            Hierarchy(type),
            Declaration(type),
            type.Name,
            name,
            type.TypeParameters.Length == 0 ? type.Name : $"{type.Name}{{{string.Join(", ", type.TypeParameters.Select(p => p.Name))}}}",
            HintName(type),
            layers.ToEquatableArray(),
            head,
            classCount,
            labelsType,
            labels.ToEquatableArray(),
            scoreMethod);
    }

    private static bool IsPartial(INamedTypeSymbol type) =>
        type.DeclaringSyntaxReferences.Length > 0
        && type.DeclaringSyntaxReferences.All(r => r.GetSyntax() is TypeDeclarationSyntax declaration && declaration.Modifiers.Any(SyntaxKind.PartialKeyword));

    private static object? NamedArgument(AttributeData attribute, string name)
    {
        foreach (var pair in attribute.NamedArguments)
        {
            if (pair.Key == name)
            {
                return pair.Value.Value;
            }
        }

        return null;
    }

    private static Location? IdentifierLocation(ISymbol symbol) => symbol.Locations.FirstOrDefault(l => l.IsInSource);

    private static Location? AttributeLocation(AttributeData attribute) => attribute.ApplicationSyntaxReference?.GetSyntax().GetLocation();

    private static Location? ArgumentLocation(AttributeData attribute) =>
        attribute.ApplicationSyntaxReference?.GetSyntax() is AttributeSyntax { ArgumentList.Arguments.Count: > 0 } syntax
            ? syntax.ArgumentList.Arguments[0].GetLocation()
            : AttributeLocation(attribute);

    /// <summary><c>features</c> → <c>Features</c>, <c>_last_conv</c> → <c>LastConv</c>, <c>m_head</c> → <c>Head</c>.</summary>
    internal static string PascalCase(string name)
    {
        if (name.StartsWith("m_", System.StringComparison.Ordinal))
        {
            name = name.Substring(2);
        }

        var result = new StringBuilder();
        var upper = true;
        foreach (var c in name)
        {
            if (c == '_')
            {
                upper = true;
                continue;
            }

            result.Append(upper ? char.ToUpperInvariant(c) : c);
            upper = false;
        }

        return result.Length == 0 ? "Layer" : result.ToString();
    }

    private static HierarchyInfo Hierarchy(INamedTypeSymbol type)
    {
        var containing = new List<string>();
        for (var outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
        {
            containing.Insert(0, Declaration(outer));
        }

        var ns = type.ContainingNamespace is { IsGlobalNamespace: false } n ? n.ToDisplayString() : string.Empty;
        return new HierarchyInfo(ns, containing.ToEquatableArray());
    }

    private static string Declaration(INamedTypeSymbol type)
    {
        var keyword = type switch
        {
            { IsRecord: true, TypeKind: TypeKind.Struct } => "record struct",
            { IsRecord: true } => "record",
            { TypeKind: TypeKind.Struct } => "struct",
            { TypeKind: TypeKind.Interface } => "interface",
            _ => "class",
        };
        var parameters = type.TypeParameters.Length == 0 ? string.Empty : "<" + string.Join(", ", type.TypeParameters.Select(p => p.Name)) + ">";
        return $"partial {keyword} {type.Name}{parameters}";
    }

    private static string HintName(INamedTypeSymbol type)
    {
        var parts = new List<string>();
        for (ISymbol? current = type; current is INamedTypeSymbol named; current = named.ContainingType)
        {
            parts.Insert(0, named.TypeParameters.Length == 0 ? named.Name : $"{named.Name}_{named.TypeParameters.Length}");
        }

        if (type.ContainingNamespace is { IsGlobalNamespace: false } ns)
        {
            parts.Insert(0, ns.ToDisplayString());
        }

        return string.Join(".", parts) + ".Explain.g.cs";
    }
}
