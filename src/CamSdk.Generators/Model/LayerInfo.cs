namespace CamSdk.Generators.Model;

/// <summary>One [ExplainLayer] member.</summary>
/// <param name="MemberName">The field or property name (as written, for <c>this.member</c>).</param>
/// <param name="EnumName">Its member name in the generated <c>Layers</c> enum.</param>
/// <param name="IsDefault">Whether it is the default layer.</param>
/// <param name="IsProperty">Whether the member is a property (else a field).</param>
/// <param name="MayBeNull">Whether the member's type is nullable-annotated.</param>
internal sealed record LayerInfo(string MemberName, string EnumName, bool IsDefault, bool IsProperty, bool MayBeNull);
