using System.Collections.Generic;
using CamSdk.Imaging;
using CamSdk.Localization;

namespace CamSdk.Evaluation;

/// <summary>One watermarked image of a shortcut study, with each model's map for its class.</summary>
/// <param name="Image">The image.</param>
/// <param name="Watermark">The watermark's box.</param>
/// <param name="ClassIndex">The image's class, which is explained.</param>
/// <param name="Maps">Each model's map, in the order of <see cref="ShortcutEvaluation.Models"/>.</param>
public sealed record ShortcutExample(RgbImage Image, BoundingBox Watermark, int ClassIndex, IReadOnlyList<float[,]> Maps);
