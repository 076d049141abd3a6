using CamSdk.Localization;

namespace CamSdk.Shapes;

/// <summary>
/// A one-object image with a small watermark in a corner (<see cref="SyntheticShapes.Watermarked"/>): the dataset's
/// shortcut variant.
/// </summary>
/// <param name="Shape">The image (with the watermark drawn) and its object.</param>
/// <param name="Watermark">The watermark's box, in the image's pixels (inclusive edges); where it would be when absent.</param>
/// <param name="WatermarkClass">The class the watermark codes, or null when the image has none.</param>
public sealed record WatermarkedImage(ShapeImage Shape, BoundingBox Watermark, ShapeKind? WatermarkClass);
