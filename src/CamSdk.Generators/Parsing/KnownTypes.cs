using Microsoft.CodeAnalysis;

namespace CamSdk.Generators.Parsing;

/// <summary>The symbols of CamSdk's attributes and of the TorchSharp types the checks need, from one compilation.</summary>
internal sealed class KnownTypes
{
    private KnownTypes(Compilation compilation)
    {
        ExplainLayer = compilation.GetTypeByMetadataName(KnownNames.ExplainLayerAttribute);
        ClassHead = compilation.GetTypeByMetadataName(KnownNames.ClassHeadAttribute);
        Module = compilation.GetTypeByMetadataName(KnownNames.Module);
        Tensor = compilation.GetTypeByMetadataName(KnownNames.Tensor);
        ReLU = compilation.GetTypeByMetadataName(KnownNames.ReLU);
        Torch = compilation.GetTypeByMetadataName(KnownNames.Torch);
        Functional = compilation.GetTypeByMetadataName(KnownNames.Functional);
        Nn = compilation.GetTypeByMetadataName(KnownNames.Nn);
    }

    public INamedTypeSymbol? ExplainLayer { get; }

    public INamedTypeSymbol? ClassHead { get; }

    public INamedTypeSymbol? Module { get; }

    public INamedTypeSymbol? Tensor { get; }

    public INamedTypeSymbol? ReLU { get; }

    public INamedTypeSymbol? Torch { get; }

    public INamedTypeSymbol? Functional { get; }

    public INamedTypeSymbol? Nn { get; }

    public static KnownTypes From(Compilation compilation) => new(compilation);

    /// <summary>Whether <paramref name="type"/> is, or derives from, <c>nn.Module&lt;Tensor, Tensor&gt;</c>.</summary>
    public bool IsTensorModule(ITypeSymbol? type)
    {
        if (type is ITypeParameterSymbol parameter)
        {
            foreach (var constraint in parameter.ConstraintTypes)
            {
                if (IsTensorModule(constraint))
                {
                    return true;
                }
            }

            return false;
        }

        for (var current = type as INamedTypeSymbol; current is not null; current = current.BaseType)
        {
            if (SymbolEqualityComparer.Default.Equals(current.OriginalDefinition, Module)
                && current.TypeArguments.Length == 2
                && SymbolEqualityComparer.Default.Equals(current.TypeArguments[0], Tensor)
                && SymbolEqualityComparer.Default.Equals(current.TypeArguments[1], Tensor))
            {
                return true;
            }
        }

        return false;
    }

    public bool Is(ISymbol? symbol, INamedTypeSymbol? type) =>
        type is not null && SymbolEqualityComparer.Default.Equals(symbol, type);

    public AttributeData? Find(ISymbol symbol, INamedTypeSymbol? attribute)
    {
        foreach (var data in symbol.GetAttributes())
        {
            if (Is(data.AttributeClass, attribute))
            {
                return data;
            }
        }

        return null;
    }
}
