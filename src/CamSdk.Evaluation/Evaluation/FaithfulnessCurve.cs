using System.Collections.Generic;

namespace CamSdk.Evaluation;

/// <summary>A deletion or insertion curve (Petsiuk et al., RISE), averaged over images, and its area.</summary>
/// <param name="Fractions">The fraction of pixels removed (deletion) or inserted (insertion) at each point, from 0 to 1.</param>
/// <param name="Scores">The mean score at each point.</param>
/// <param name="Area">The mean over images of each curve's area (RISE's <c>auc</c>: the trapezoid rule with unit width).</param>
/// <param name="Areas">Each image's area.</param>
public sealed record FaithfulnessCurve(IReadOnlyList<double> Fractions, IReadOnlyList<double> Scores, double Area, IReadOnlyList<double> Areas);
