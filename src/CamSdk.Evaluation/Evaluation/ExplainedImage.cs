using System.Collections.Generic;

namespace CamSdk.Evaluation;

/// <summary>An evaluated image with the explanations a report shows of it.</summary>
/// <param name="Image">The image and its ground truth.</param>
/// <param name="PredictedClass">The model's top-1 class.</param>
/// <param name="Classes">
/// The explained classes: the ground-truth class (localisation), each object's class (two-object images), or the
/// two highest-scoring classes (misclassified images).
/// </param>
public sealed record ExplainedImage(EvaluationImage Image, int PredictedClass, IReadOnlyList<ExplainedClass> Classes);
