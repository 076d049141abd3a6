using System.Collections.Generic;

namespace CamSdk.Evaluation;

/// <summary>The faithfulness of every method on a set of images (<see cref="FaithfulnessEvaluator"/>).</summary>
/// <param name="Methods">Each method's figures.</param>
/// <param name="Percentiles">ROAD's percentiles.</param>
/// <param name="Images">The images measured.</param>
/// <param name="Settings">The settings, in words (baselines, step, score).</param>
public sealed record FaithfulnessEvaluation(IReadOnlyList<MethodFaithfulness> Methods, IReadOnlyList<double> Percentiles, int Images, string Settings);
