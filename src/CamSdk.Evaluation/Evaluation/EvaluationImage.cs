using System.Collections.Generic;
using CamSdk.Imaging;

namespace CamSdk.Evaluation;

/// <summary>An image to evaluate explanations on, with its objects' classes and boxes.</summary>
/// <param name="Name">A name to show in reports (a file name, or the dataset's index).</param>
/// <param name="Image">The image, as the model sees it before normalisation (boxes are in its pixels).</param>
/// <param name="Objects">The objects: one for localisation, two of different classes for class discrimination.</param>
public sealed record EvaluationImage(string Name, RgbImage Image, IReadOnlyList<GroundTruthObject> Objects);
