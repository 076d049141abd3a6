using System;

namespace CamSdk.Guided;

/// <summary>
/// Declares, on an assembly, a type that provides guidable twins (<see cref="IGuidableTwinProvider"/>, with a public
/// parameterless constructor): CamSdk finds it once the assembly is loaded, with nothing to register by hand.
/// </summary>
/// <param name="providerType">The provider's type.</param>
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = true)]
public sealed class GuidableTwinProviderAttribute(Type providerType) : Attribute
{
    /// <summary>The provider's type.</summary>
    public Type ProviderType { get; } = providerType;
}
