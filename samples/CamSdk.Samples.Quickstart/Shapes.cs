using System;
using TorchSharp;
using static TorchSharp.torch;

namespace CamSdk.Samples.Quickstart;

/// <summary>The classes of the synthetic data set.</summary>
public enum Shape
{
    Circle,
    Square,
    Cross,
}

/// <summary>
/// Images of one white shape at a random place on a noisy black 32×32 background, made from a seed:
/// the sample needs no download and gives the same pictures every run.
/// </summary>
public sealed class Shapes(int seed)
{
    public const int Size = 32;

    private readonly Random _random = new(seed);

    /// <summary>A batch of images (N×1×32×32) with their labels and the centre of each shape.</summary>
    public (Tensor Images, Tensor Labels, (int Row, int Column)[] Centres) Batch(int count)
    {
        var pixels = new float[count * Size * Size];
        var labels = new long[count];
        var centres = new (int, int)[count];
        for (int n = 0; n < count; n++)
        {
            var shape = (Shape)_random.Next(3);
            var radius = _random.Next(4, 7);
            var row = _random.Next(radius + 1, Size - radius - 1);
            var column = _random.Next(radius + 1, Size - radius - 1);
            labels[n] = (long)shape;
            centres[n] = (row, column);
            for (int y = 0; y < Size; y++)
            {
                for (int x = 0; x < Size; x++)
                {
                    var (dy, dx) = (y - row, x - column);
                    var inside = shape switch
                    {
                        Shape.Circle => dy * dy + dx * dx <= radius * radius,
                        Shape.Square => Math.Abs(dy) <= radius - 1 && Math.Abs(dx) <= radius - 1,
                        _ => (Math.Abs(dy) <= 1 && Math.Abs(dx) <= radius) || (Math.Abs(dx) <= 1 && Math.Abs(dy) <= radius),
                    };
                    pixels[(n * Size + y) * Size + x] = (inside ? 1f : 0f) + 0.15f * Gaussian();
                }
            }
        }

        return (tensor(pixels).reshape(count, 1, Size, Size), tensor(labels), centres);
    }

    private float Gaussian() =>
        (float)(Math.Sqrt(-2 * Math.Log(1 - _random.NextDouble())) * Math.Cos(2 * Math.PI * _random.NextDouble()));
}
