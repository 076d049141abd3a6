using System.Collections.Generic;

namespace CamSdk.Evaluation;

/// <summary>The outcome of a sanity check (<see cref="SanityCheck"/>).</summary>
/// <param name="Methods">The method keys, in the order of every step's maps.</param>
/// <param name="Layers">The layers randomised, from the top down.</param>
/// <param name="Original">For the gallery's images, each method's absolute-value map with the learned weights.</param>
/// <param name="Steps">Every step of every test run, cascading first.</param>
/// <param name="Verdicts">One verdict per method.</param>
/// <param name="Images">The images the statistics average over.</param>
public sealed record SanityCheckResult(
    IReadOnlyList<string> Methods,
    IReadOnlyList<string> Layers,
    IReadOnlyList<IReadOnlyList<float[,]>> Original,
    IReadOnlyList<SanityStep> Steps,
    IReadOnlyList<SanityVerdict> Verdicts,
    int Images);
