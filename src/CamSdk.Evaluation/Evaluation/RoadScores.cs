using System.Collections.Generic;

namespace CamSdk.Evaluation;

/// <summary>ROAD over several percentiles (<see cref="Faithfulness.RoadCombined"/>).</summary>
/// <param name="Combined">Each image's pytorch-grad-cam <c>ROADCombined</c>: the mean over percentiles of (least-relevant-first change − most-relevant-first change) / 2; higher is better.</param>
/// <param name="MostRelevantFirst">The mean score change over images at each percentile, most relevant removed first.</param>
/// <param name="LeastRelevantFirst">The mean score change over images at each percentile, least relevant removed first.</param>
public sealed record RoadScores(IReadOnlyList<double> Combined, IReadOnlyList<double> MostRelevantFirst, IReadOnlyList<double> LeastRelevantFirst);
