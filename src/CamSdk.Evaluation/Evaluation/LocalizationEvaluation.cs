using System.Collections.Generic;

namespace CamSdk.Evaluation;

/// <summary>What <see cref="LocalizationEvaluator.EvaluateLocalization"/> measured on one-object images.</summary>
/// <param name="Methods">Each method's figures: the CAM family in the evaluator's order, then Guided Backpropagation, Guided Grad-CAM and the centred-box baseline.</param>
/// <param name="Accuracy">The model's top-1 classification accuracy on the images.</param>
/// <param name="Images">How many images were evaluated.</param>
/// <param name="MeanBoxSize">The ground-truth boxes' mean width and height: the centred baseline's box size.</param>
/// <param name="Gallery">The first images with their ground-truth class's maps, for a report.</param>
/// <param name="Failures">The first misclassified images with the maps of their two highest-scoring classes.</param>
/// <param name="Misclassified">How many images were misclassified.</param>
public sealed record LocalizationEvaluation(
    IReadOnlyList<MethodLocalization> Methods,
    double Accuracy,
    int Images,
    (int Width, int Height) MeanBoxSize,
    IReadOnlyList<ExplainedImage> Gallery,
    IReadOnlyList<ExplainedImage> Failures,
    int Misclassified);
