using System.Collections.Generic;
using CamSdk.Imaging;

namespace CamSdk.Shapes;

/// <summary>An image of <see cref="SyntheticShapes"/> with the objects drawn in it.</summary>
/// <param name="Image">The RGB pixels.</param>
/// <param name="Objects">One object, or two of different classes, in drawing order.</param>
public sealed record ShapeImage(RgbImage Image, IReadOnlyList<ShapeObject> Objects)
{
    /// <summary>The class of the (first) object: the image's label.</summary>
    public ShapeKind Label => Objects[0].Kind;
}
