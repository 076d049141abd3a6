using System;
using System.Collections.Generic;
using CamSdk.Imaging;
using CamSdk.Localization;

namespace CamSdk.Shapes;

/// <summary>
/// A seeded synthetic dataset for training and evaluating explanations without any download: shapes of six classes
/// (<see cref="ShapeKind"/>) at random positions, scales, rotations and colours on textured, cluttered backgrounds (noise,
/// stripes, distractor blobs), each with its ground-truth box; and images with two objects of different classes.
/// </summary>
/// <remarks>
/// Image i of a split depends only on the seed, the split and i, so any image can be made alone and in any order. The
/// pixels are the same on every machine: the generator uses <see cref="Random"/>'s seeded sequence and only IEEE-754
/// arithmetic that is exact across platforms (its sines and cosines are its own polynomials, not the C library's).
/// <see cref="Version"/> changes whenever the pixels for a seed change.
/// </remarks>
public sealed class SyntheticShapes
{
    /// <summary>The version of the pixels a seed gives; part of any cache key.</summary>
    public const int Version = 1;

    /// <summary>
    /// The first index of the held-out images: CamSdk trains on indices below it and evaluates from it on, so that no
    /// evaluated image was seen in training.
    /// </summary>
    public const int HeldOutStart = 1_000_000;

    private const int SingleSplit = 1;
    private const int PairSplit = 2;

    /// <summary>Creates the dataset.</summary>
    /// <param name="seed">The seed; the same seed gives the same images.</param>
    /// <param name="size">The images' side in pixels, 64 to 128.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="size"/> is outside 64 to 128.</exception>
    public SyntheticShapes(int seed = 2017, int size = 96)
    {
        if (size is < 64 or > 128)
        {
            throw new ArgumentOutOfRangeException(nameof(size), size, "The images' side must be 64 to 128 pixels.");
        }

        Seed = seed;
        Size = size;
    }

    /// <summary>The number of classes, 6.</summary>
    public static int ClassCount => 6;

    /// <summary>The class names, indexed by class.</summary>
    public static IReadOnlyList<string> ClassNames { get; } = Enum.GetNames<ShapeKind>();

    /// <summary>The seed.</summary>
    public int Seed { get; }

    /// <summary>The images' side in pixels.</summary>
    public int Size { get; }

    /// <summary>Image <paramref name="index"/> of the one-object split: one shape of a random class.</summary>
    /// <param name="index">Any non-negative index.</param>
    /// <returns>The image and its object.</returns>
    public ShapeImage SingleObject(int index)
    {
        var random = RandomFor(SingleSplit, index);
        var canvas = Background(random);
        var kind = (ShapeKind)random.Next(ClassCount);
        return new ShapeImage(canvas.ToImage(), [Draw(canvas, random, kind, region: null)]);
    }

    /// <summary>Image <paramref name="index"/> of the two-object split: two shapes of different classes, side by side.</summary>
    /// <param name="index">Any non-negative index.</param>
    /// <returns>The image and its two objects.</returns>
    public ShapeImage TwoObjects(int index)
    {
        var random = RandomFor(PairSplit, index);
        var canvas = Background(random);
        var first = (ShapeKind)random.Next(ClassCount);
        var second = (ShapeKind)((int)(first + 1 + random.Next(ClassCount - 1)) % ClassCount);
        // Left and right halves (or top and bottom), so the two objects never overlap.
        var horizontal = random.Next(2) == 0;
        var half = Size / 2;
        var a = horizontal ? new BoundingBox(0, 0, half - 1, Size - 1) : new BoundingBox(0, 0, Size - 1, half - 1);
        var b = horizontal ? new BoundingBox(half, 0, Size - 1, Size - 1) : new BoundingBox(0, half, Size - 1, Size - 1);
        var objects = new[] { Draw(canvas, random, first, a), Draw(canvas, random, second, b) };
        return new ShapeImage(canvas.ToImage(), objects);
    }

    /// <summary>
    /// Image <paramref name="index"/> of the one-object split (<see cref="SingleObject"/>) with a watermark stamped in the
    /// corner farthest from the object: a black square of <see cref="WatermarkSide"/> pixels with one white cell of a
    /// 2 × 3 grid lit, the cell coding <paramref name="watermark"/>. Used to train a model that can take a shortcut (the
    /// watermark correlates with the class in training) and to show that its maps expose it.
    /// </summary>
    /// <param name="index">Any non-negative index.</param>
    /// <param name="watermark">The class the watermark codes; null for no watermark (the box still says where it would be).</param>
    /// <returns>The image, its object and the watermark's box.</returns>
    public WatermarkedImage Watermarked(int index, ShapeKind? watermark)
    {
        var shape = SingleObject(index);
        var box = shape.Objects[0].Box;
        var side = WatermarkSide;
        const int Margin = 2;
        var (objectX, objectY) = ((box.Left + box.Right) / 2.0, (box.Top + box.Bottom) / 2.0);
        var left = objectX < Size / 2.0 ? Size - Margin - side : Margin;
        var top = objectY < Size / 2.0 ? Size - Margin - side : Margin;
        var region = new BoundingBox(left, top, left + side - 1, top + side - 1);
        if (watermark is not { } kind)
        {
            return new WatermarkedImage(shape, region, null);
        }

        var pixels = (byte[])shape.Image.Pixels.Clone();
        var (cellWidth, cellHeight) = ((side - 2) / 3, (side - 2) / 2);
        var (cellLeft, cellTop) = (left + 1 + (int)kind % 3 * cellWidth, top + 1 + (int)kind / 3 * cellHeight);
        for (var y = top; y < top + side; y++)
        {
            for (var x = left; x < left + side; x++)
            {
                var lit = x >= cellLeft && x < cellLeft + cellWidth && y >= cellTop && y < cellTop + cellHeight;
                var at = (y * Size + x) * 3;
                pixels[at] = pixels[at + 1] = pixels[at + 2] = lit ? (byte)255 : (byte)0;
            }
        }

        return new WatermarkedImage(new ShapeImage(new RgbImage(Size, Size, pixels), shape.Objects), region, kind);
    }

    /// <summary>The watermark's side in pixels: 12 at 64 pixels, in proportion at other sizes.</summary>
    public int WatermarkSide => Size * 12 / 64;

    private Random RandomFor(int split, int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        // Random's seeded sequence is the same on every platform; mix the seed, split and index into one seed.
        return new Random(unchecked((Seed * 1_000_003) ^ (split * 7_919) ^ (index * 2_654_435)));
    }

    private Canvas Background(Random random)
    {
        var canvas = new Canvas(Size);
        var baseColour = RandomColour(random, 40, 200);
        var stripeColour = RandomColour(random, 0, 255);
        var period = 6 + random.Next(14);
        var angle = random.NextDouble() * Math.PI;
        var (sin, cos) = (Trigonometry.Sin(angle), Trigonometry.Cos(angle));
        var stripes = random.Next(3) != 0;
        var noise = 10 + random.Next(30);
        for (var y = 0; y < Size; y++)
        {
            for (var x = 0; x < Size; x++)
            {
                var phase = (x * cos + y * sin) / period;
                var inStripe = stripes && phase - Math.Floor(phase) < 0.35;
                var colour = inStripe ? Mix(baseColour, stripeColour, 0.35) : baseColour;
                canvas.Set(x, y, Jitter(colour, random, noise));
            }
        }

        // Distractor blobs: small discs and bars of random colours that belong to no class.
        var blobs = 2 + random.Next(5);
        for (var i = 0; i < blobs; i++)
        {
            var colour = RandomColour(random, 0, 255);
            var (cx, cy) = (random.NextDouble() * Size, random.NextDouble() * Size);
            var radius = 1.5 + random.NextDouble() * Size * 0.06;
            var elongation = 1 + random.NextDouble() * 2;
            for (var y = (int)Math.Max(0, cy - radius * elongation - 1); y <= Math.Min(Size - 1, cy + radius * elongation + 1); y++)
            {
                for (var x = (int)Math.Max(0, cx - radius * elongation - 1); x <= Math.Min(Size - 1, cx + radius * elongation + 1); x++)
                {
                    var (dx, dy) = ((x - cx) / elongation, y - cy);
                    if (dx * dx + dy * dy <= radius * radius)
                    {
                        canvas.Set(x, y, Jitter(colour, random, noise / 2));
                    }
                }
            }
        }

        return canvas;
    }

    /// <summary>Draws one shape inside <paramref name="region"/> (the whole image when null) and returns it with its box.</summary>
    private ShapeObject Draw(Canvas canvas, Random random, ShapeKind kind, BoundingBox? region)
    {
        var area = region ?? new BoundingBox(0, 0, Size - 1, Size - 1);
        var extent = Math.Min(area.Width, area.Height);
        var radius = extent * (0.18 + random.NextDouble() * 0.17);
        var margin = radius + 2;
        var cx = area.Left + margin + random.NextDouble() * Math.Max(area.Width - 2 * margin, 0);
        var cy = area.Top + margin + random.NextDouble() * Math.Max(area.Height - 2 * margin, 0);
        var angle = random.NextDouble() * 2 * Math.PI;
        var (sin, cos) = (Trigonometry.Sin(angle), Trigonometry.Cos(angle));
        var colour = RandomColour(random, 0, 255);
        var star = kind == ShapeKind.Star ? Trigonometry.StarPolygon(radius, radius * 0.45) : [];
        var (left, top, right, bottom) = (int.MaxValue, int.MaxValue, -1, -1);
        for (var y = Math.Max(area.Top, (int)(cy - radius) - 2); y <= Math.Min(area.Bottom, (int)(cy + radius) + 2); y++)
        {
            for (var x = Math.Max(area.Left, (int)(cx - radius) - 2); x <= Math.Min(area.Right, (int)(cx + radius) + 2); x++)
            {
                // The pixel's centre in the shape's own rotated frame.
                var (px, py) = (x + 0.5 - cx, y + 0.5 - cy);
                var (u, v) = (px * cos + py * sin, -px * sin + py * cos);
                if (!Inside(kind, u, v, radius, star))
                {
                    continue;
                }

                canvas.Set(x, y, Jitter(colour, random, 8));
                (left, top, right, bottom) = (Math.Min(left, x), Math.Min(top, y), Math.Max(right, x), Math.Max(bottom, y));
            }
        }

        return new ShapeObject(kind, new BoundingBox(left, top, right, bottom));
    }

    private static bool Inside(ShapeKind kind, double u, double v, double radius, (double X, double Y)[] star)
    {
        var distanceSquared = u * u + v * v;
        switch (kind)
        {
            case ShapeKind.Circle:
                return distanceSquared <= radius * radius;
            case ShapeKind.Ring:
                return distanceSquared <= radius * radius && distanceSquared >= radius * radius * 0.36;
            case ShapeKind.Square:
                var half = radius * 0.75;
                return Math.Abs(u) <= half && Math.Abs(v) <= half;
            case ShapeKind.Cross:
                var arm = radius * 0.28;
                return (Math.Abs(u) <= arm && Math.Abs(v) <= radius) || (Math.Abs(v) <= arm && Math.Abs(u) <= radius);
            case ShapeKind.Triangle:
                // Equilateral, apex up, centred at its centroid: three half-planes.
                var s3 = Math.Sqrt(3);
                return v <= radius / 2 && s3 * u - v <= radius && -s3 * u - v <= radius;
            default:
                return Trigonometry.InsidePolygon(star, u, v);
        }
    }

    private static (int R, int G, int B) RandomColour(Random random, int low, int high) =>
        (random.Next(low, high + 1), random.Next(low, high + 1), random.Next(low, high + 1));

    private static (int R, int G, int B) Mix((int R, int G, int B) a, (int R, int G, int B) b, double t) =>
        ((int)(a.R + (b.R - a.R) * t), (int)(a.G + (b.G - a.G) * t), (int)(a.B + (b.B - a.B) * t));

    private static (int R, int G, int B) Jitter((int R, int G, int B) colour, Random random, int amount) =>
        (colour.R + random.Next(-amount, amount + 1), colour.G + random.Next(-amount, amount + 1), colour.B + random.Next(-amount, amount + 1));

    /// <summary>RGB bytes being drawn.</summary>
    private sealed class Canvas(int size)
    {
        private readonly byte[] _pixels = new byte[size * size * 3];

        internal void Set(int x, int y, (int R, int G, int B) colour)
        {
            var i = (y * size + x) * 3;
            _pixels[i] = (byte)Math.Clamp(colour.R, 0, 255);
            _pixels[i + 1] = (byte)Math.Clamp(colour.G, 0, 255);
            _pixels[i + 2] = (byte)Math.Clamp(colour.B, 0, 255);
        }

        internal RgbImage ToImage() => new(size, size, _pixels);
    }
}
