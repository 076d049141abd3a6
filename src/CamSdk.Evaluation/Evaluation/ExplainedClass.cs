using System.Collections.Generic;

namespace CamSdk.Evaluation;

/// <summary>The explanations of one class of one image, by every evaluated method.</summary>
/// <param name="ClassIndex">The explained class.</param>
/// <param name="Score">The model's score (logit) for that class.</param>
/// <param name="Maps">One map per method, in the evaluation's method order.</param>
public sealed record ExplainedClass(int ClassIndex, float Score, IReadOnlyList<ExplainedMap> Maps);
