using System;

namespace CamSdk.Shapes;

/// <summary>
/// Sine and cosine from polynomials of + and × alone, so that the dataset's pixels are bit-identical on every machine
/// (the C library's sin and cos may differ in the last bit between platforms).
/// </summary>
internal static class Trigonometry
{
    internal static double Sin(double x)
    {
        // Reduce to [−π, π], then a Taylor series to x^21: below 1e-15 there.
        var turns = Math.Floor((x + Math.PI) / (2 * Math.PI));
        x -= turns * 2 * Math.PI;
        var term = x;
        var sum = x;
        var squared = x * x;
        for (var n = 1; n <= 10; n++)
        {
            term *= -squared / ((2 * n) * (2 * n + 1));
            sum += term;
        }

        return sum;
    }

    internal static double Cos(double x) => Sin(x + Math.PI / 2);

    /// <summary>A five-pointed star's ten vertices, alternating outer and inner radius, first point up.</summary>
    internal static (double X, double Y)[] StarPolygon(double outer, double inner)
    {
        var vertices = new (double, double)[10];
        for (var i = 0; i < 10; i++)
        {
            var radius = i % 2 == 0 ? outer : inner;
            var angle = -Math.PI / 2 + i * Math.PI / 5;
            vertices[i] = (radius * Cos(angle), radius * Sin(angle));
        }

        return vertices;
    }

    /// <summary>Even-odd point-in-polygon test.</summary>
    internal static bool InsidePolygon((double X, double Y)[] polygon, double x, double y)
    {
        var inside = false;
        for (int i = 0, j = polygon.Length - 1; i < polygon.Length; j = i++)
        {
            var (xi, yi) = polygon[i];
            var (xj, yj) = polygon[j];
            if ((yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi)
            {
                inside = !inside;
            }
        }

        return inside;
    }
}
