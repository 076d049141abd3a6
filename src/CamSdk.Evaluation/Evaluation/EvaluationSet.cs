using System.Collections.Generic;

namespace CamSdk.Evaluation;

/// <summary>Images to evaluate on, split by what they can measure.</summary>
/// <param name="SingleObjectImages">Images with one object: weakly-supervised localisation and the pointing game.</param>
/// <param name="TwoObjectImages">Images with two objects of different classes: class discrimination.</param>
public sealed record EvaluationSet(IReadOnlyList<EvaluationImage> SingleObjectImages, IReadOnlyList<EvaluationImage> TwoObjectImages);
