using System.Collections.Generic;

namespace CamSdk.Evaluation;

/// <summary>One model of a shortcut study (<see cref="ShortcutEvaluation"/>): how it classifies with and without the watermark, and where its maps look.</summary>
/// <param name="Name">The model's name.</param>
/// <param name="Description">How it was trained.</param>
/// <param name="WatermarkedAccuracy">Accuracy on held-out images whose watermark codes their class (as in training).</param>
/// <param name="CleanAccuracy">Accuracy on held-out images without watermark.</param>
/// <param name="MismatchedAccuracy">Accuracy on held-out images whose watermark codes another class.</param>
/// <param name="MassShare">The mean share of the explanation's mass inside the watermark, on the watermarked images.</param>
/// <param name="MassShareByClass">The same per class (indexed by class).</param>
public sealed record ShortcutModel(string Name, string Description, double WatermarkedAccuracy, double CleanAccuracy, double MismatchedAccuracy, double MassShare, IReadOnlyList<double> MassShareByClass);
