using CamSdk.Localization;

namespace CamSdk.Shapes;

/// <summary>One object drawn in a <see cref="ShapeImage"/>: its class and its ground-truth box.</summary>
/// <param name="Kind">The object's class.</param>
/// <param name="Box">The tightest box around the object's pixels (inclusive edges), in the image's pixels.</param>
public sealed record ShapeObject(ShapeKind Kind, BoundingBox Box);
