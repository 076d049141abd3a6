using CamSdk.Generators.Helpers;

namespace CamSdk.Generators.Model;

/// <summary>Where a model is declared: its namespace and its containing types (outermost first), to re-open them.</summary>
/// <param name="Namespace">The namespace, or empty for the global namespace.</param>
/// <param name="ContainingTypes">Each containing type's declaration head, e.g. <c>partial class Outer&lt;T&gt;</c>.</param>
internal sealed record HierarchyInfo(string Namespace, EquatableArray<string> ContainingTypes);
