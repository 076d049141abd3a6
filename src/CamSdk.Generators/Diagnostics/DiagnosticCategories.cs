namespace CamSdk.Generators.Diagnostics;

/// <summary>The categories of CamSdk's diagnostics.</summary>
internal static class DiagnosticCategories
{
    public const string Usage = "CamSdk.Usage";
    public const string Correctness = "CamSdk.Correctness";
}
