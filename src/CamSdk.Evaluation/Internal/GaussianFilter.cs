using System;

namespace CamSdk.Internal;

/// <summary>
/// SciPy's <c>ndimage.gaussian_filter</c> on a 2-D array with its default boundary, <c>reflect</c> (d c b a | a b c d |
/// d c b a): a separable correlation with the sampled Gaussian of radius <c>int(truncate·σ + 0.5)</c>, normalised to sum 1.
/// The SSIM of the sanity checks (scikit-image) and RISE's blur kernel are built on it.
/// </summary>
internal static class GaussianFilter
{
    internal static double[] Kernel(double sigma, double truncate)
    {
        var radius = (int)(truncate * sigma + 0.5);
        var weights = new double[2 * radius + 1];
        var sum = 0.0;
        for (var x = -radius; x <= radius; x++)
        {
            weights[x + radius] = Math.Exp(-0.5 / (sigma * sigma) * x * x);
            sum += weights[x + radius];
        }

        for (var i = 0; i < weights.Length; i++)
        {
            weights[i] /= sum;
        }

        return weights;
    }

    internal static double[,] Apply(double[,] input, double sigma, double truncate = 4.0)
    {
        var kernel = Kernel(sigma, truncate);
        var (rows, columns) = (input.GetLength(0), input.GetLength(1));
        var along = new double[rows, columns];
        var radius = kernel.Length / 2;
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < columns; c++)
            {
                var sum = 0.0;
                for (var k = -radius; k <= radius; k++)
                {
                    sum += kernel[k + radius] * input[Reflect(r + k, rows), c];
                }

                along[r, c] = sum;
            }
        }

        var result = new double[rows, columns];
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < columns; c++)
            {
                var sum = 0.0;
                for (var k = -radius; k <= radius; k++)
                {
                    sum += kernel[k + radius] * along[r, Reflect(c + k, columns)];
                }

                result[r, c] = sum;
            }
        }

        return result;
    }

    /// <summary>SciPy's <c>reflect</c> boundary, repeated for radii longer than the axis.</summary>
    private static int Reflect(int index, int length)
    {
        var period = 2 * length;
        var m = ((index % period) + period) % period;
        return m < length ? m : period - m - 1;
    }
}
