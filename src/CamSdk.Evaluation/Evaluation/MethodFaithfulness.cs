using System.Collections.Generic;

namespace CamSdk.Evaluation;

/// <summary>One method's faithfulness figures (<see cref="FaithfulnessEvaluator"/>), each a mean over the images.</summary>
/// <param name="MethodKey">The method key.</param>
/// <param name="Deletion">The deletion curve (lower area is better).</param>
/// <param name="Insertion">The insertion curve (higher area is better).</param>
/// <param name="ConfidenceChange">pytorch-grad-cam's <c>CamMultImageConfidenceChange</c>: the score on image × map minus the score on the image.</param>
/// <param name="DropInConfidence">pytorch-grad-cam's <c>DropInConfidence</c>: max(−change, 0) (lower is better).</param>
/// <param name="IncreaseInConfidence">pytorch-grad-cam's <c>IncreaseInConfidence</c>: the share of images whose score rose.</param>
/// <param name="RoadMostRelevantFirst">ROAD's score change at each percentile, most relevant removed first (more negative is better).</param>
/// <param name="RoadLeastRelevantFirst">ROAD's score change at each percentile, least relevant removed first (closer to 0 is better).</param>
/// <param name="RoadCombined">pytorch-grad-cam's <c>ROADCombined</c> (higher is better).</param>
public sealed record MethodFaithfulness(
    string MethodKey,
    FaithfulnessCurve Deletion,
    FaithfulnessCurve Insertion,
    double ConfidenceChange,
    double DropInConfidence,
    double IncreaseInConfidence,
    IReadOnlyList<double> RoadMostRelevantFirst,
    IReadOnlyList<double> RoadLeastRelevantFirst,
    double RoadCombined)
{
    /// <summary>Why the method could not be computed on these images (its figures are then NaN), or null.</summary>
    public string? Failure { get; init; }

    /// <summary>The method's name in reports; its key when not given.</summary>
    public string MethodName { get; init; } = MethodKey;
}
