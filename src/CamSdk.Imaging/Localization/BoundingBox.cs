using System;

namespace CamSdk.Localization;

/// <summary>An axis-aligned box of pixels; all four edges are inclusive (a one-pixel box has Left == Right).</summary>
/// <param name="Left">The first column.</param>
/// <param name="Top">The first row.</param>
/// <param name="Right">The last column.</param>
/// <param name="Bottom">The last row.</param>
public readonly record struct BoundingBox(int Left, int Top, int Right, int Bottom)
{
    /// <summary>The number of columns.</summary>
    public int Width => Right - Left + 1;

    /// <summary>The number of rows.</summary>
    public int Height => Bottom - Top + 1;

    /// <summary>The number of pixels.</summary>
    public int Area => Width * Height;

    /// <summary>Intersection over union: the pixels both boxes cover, over the pixels either covers (the localisation metric of ImageNet and the Grad-CAM paper).</summary>
    /// <param name="other">The other box.</param>
    /// <returns>A value in [0, 1]; 1 for equal boxes, 0 for disjoint ones.</returns>
    public double IntersectionOverUnion(BoundingBox other)
    {
        var width = Math.Min(Right, other.Right) - Math.Max(Left, other.Left) + 1;
        var height = Math.Min(Bottom, other.Bottom) - Math.Max(Top, other.Top) + 1;
        var intersection = width > 0 && height > 0 ? (long)width * height : 0;
        return intersection / (double)((long)Area + other.Area - intersection);
    }
}
