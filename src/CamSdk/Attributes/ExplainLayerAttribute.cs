using System;

namespace CamSdk;

/// <summary>
/// Marks a layer of a <c>partial</c> TorchSharp model as explainable: CamSdk's source generator then gives the
/// model typed <c>Explain</c> methods for it, wired to this field or property at compile time.
/// </summary>
/// <remarks>
/// The member must hold a <c>Module&lt;Tensor, Tensor&gt;</c> whose output is an N×K×h×w feature map (a convolution or
/// a block of them), and the model's <c>forward</c> must run it with <c>.call(x)</c>, which runs TorchSharp's hooks.
/// The paper explains the last convolutional layer: mark it with <see cref="IsDefault"/> = true.
/// </remarks>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class ExplainLayerAttribute : Attribute
{
    /// <summary>Whether this layer is explained when a call names no layer. At most one layer per model may be the default.</summary>
    public bool IsDefault { get; set; }

    /// <summary>The layer's name in the generated <c>Layers</c> enum; by default the member's name in PascalCase.</summary>
    public string? Name { get; set; }
}
