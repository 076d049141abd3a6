using System.Collections.Generic;

namespace CamSdk.Evaluation;

/// <summary>What <see cref="LocalizationEvaluator.EvaluateDiscrimination"/> measured on two-object images.</summary>
/// <param name="Methods">Each method's figures: the CAM family in the evaluator's order, then Guided Backpropagation and Guided Grad-CAM.</param>
/// <param name="Images">How many images were evaluated.</param>
/// <param name="Gallery">The first images with both objects' classes explained, for a report (the Grad-CAM paper's cat-versus-dog figure).</param>
public sealed record DiscriminationEvaluation(IReadOnlyList<MethodDiscrimination> Methods, int Images, IReadOnlyList<ExplainedImage> Gallery);
