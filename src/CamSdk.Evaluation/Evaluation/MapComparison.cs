using System;
using System.Collections.Generic;
using System.Linq;
using CamSdk.Internal;

namespace CamSdk.Evaluation;

/// <summary>
/// How alike two saliency maps are, as Adebayo et al. ("Sanity Checks for Saliency Maps", NeurIPS 2018) measure it: the
/// Spearman rank correlation (of the maps and of their absolute values), the structural similarity index (SSIM) and the
/// rank correlation of their histograms of oriented gradients (HOG); and the normalisations the paper's code applies
/// before each.
/// </summary>
/// <remarks>
/// Every statistic follows the library the paper's notebooks call: <c>scipy.stats.spearmanr</c> (average ranks for ties),
/// <c>skimage.metrics.structural_similarity</c> and <c>skimage.feature.hog</c> (scikit-image 0.19 defaults, whose HOG block
/// normalisation is L2-Hys). Maps are indexed [row, column]; two maps compared must have the same shape.
/// </remarks>
public static class MapComparison
{
    /// <summary>
    /// Spearman's rank correlation of two maps read as flat lists: Pearson's correlation of their ranks, tied values
    /// sharing their average rank (as <c>scipy.stats.spearmanr</c>). NaN when either map is constant, as SciPy gives.
    /// </summary>
    /// <param name="first">The first map.</param>
    /// <param name="second">The second map, of the same shape.</param>
    /// <returns>The correlation, from -1 to 1, or NaN.</returns>
    /// <exception cref="ArgumentException">The maps differ in shape, or are empty.</exception>
    /// <exception cref="CamNumericException">A map holds NaN.</exception>
    public static double SpearmanCorrelation(double[,] first, double[,] second)
    {
        RequireSameShape(first, second, minimum: 1);
        return Pearson(Ranks(Flatten(first)), Ranks(Flatten(second)));
    }

    /// <summary>Spearman's rank correlation of two lists of equal length (see <see cref="SpearmanCorrelation(double[,], double[,])"/>).</summary>
    /// <param name="first">The first list.</param>
    /// <param name="second">The second list.</param>
    /// <returns>The correlation, or NaN when either list is constant.</returns>
    /// <exception cref="ArgumentException">The lists differ in length, or are empty.</exception>
    /// <exception cref="CamNumericException">A list holds NaN.</exception>
    public static double SpearmanCorrelation(IReadOnlyList<double> first, IReadOnlyList<double> second)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        if (first.Count != second.Count || first.Count == 0)
        {
            throw new ArgumentException($"Rank correlation needs two non-empty lists of the same length, not {first.Count} and {second.Count} values.", nameof(second));
        }

        if (first.Any(double.IsNaN) || second.Any(double.IsNaN))
        {
            throw new CamNumericException("A list holds NaN: a map computed from a broken model cannot be ranked.");
        }

        return Pearson(Ranks([.. first]), Ranks([.. second]));
    }

    /// <summary>
    /// The mean structural similarity index of two maps, as <c>skimage.metrics.structural_similarity(first, second,
    /// gaussian_weights=True, data_range=dataRange)</c> computes it: local means, variances and covariance weighted by a
    /// Gaussian of σ = 1.5 (an 11-tap window), K1 = 0.01, K2 = 0.03, sample covariances, averaged over the pixels at least
    /// five pixels from the border.
    /// </summary>
    /// <param name="first">The first map, normalised to [0, 1] (see <see cref="MinMaxNormalized"/>).</param>
    /// <param name="second">The second map, of the same shape, at least 11 × 11.</param>
    /// <param name="dataRange">The range the maps' values span; 1 for normalised maps.</param>
    /// <returns>The SSIM: 1 for identical maps.</returns>
    /// <exception cref="ArgumentException">The maps differ in shape, or are smaller than 11 × 11.</exception>
    /// <exception cref="CamNumericException">A map holds NaN.</exception>
    public static double StructuralSimilarity(double[,] first, double[,] second, double dataRange = 1.0)
    {
        const double Sigma = 1.5, Truncate = 3.5, K1 = 0.01, K2 = 0.03;
        const int Window = 11;
        RequireSameShape(first, second, minimum: Window);
        if (!(dataRange > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(dataRange), $"The data range must be positive, not {dataRange}.");
        }

        var (rows, columns) = (first.GetLength(0), first.GetLength(1));
        var (x, y) = (first, second);
        var xx = Combine(x, x, static (a, b) => a * b);
        var yy = Combine(y, y, static (a, b) => a * b);
        var xy = Combine(x, y, static (a, b) => a * b);
        var (ux, uy) = (GaussianFilter.Apply(x, Sigma, Truncate), GaussianFilter.Apply(y, Sigma, Truncate));
        var (uxx, uyy, uxy) = (GaussianFilter.Apply(xx, Sigma, Truncate), GaussianFilter.Apply(yy, Sigma, Truncate), GaussianFilter.Apply(xy, Sigma, Truncate));
        const double Points = Window * Window;
        const double CovarianceNorm = Points / (Points - 1);
        var (c1, c2) = (Math.Pow(K1 * dataRange, 2), Math.Pow(K2 * dataRange, 2));
        const int Pad = (Window - 1) / 2;
        var (sum, count) = (0.0, 0);
        for (var r = Pad; r < rows - Pad; r++)
        {
            for (var c = Pad; c < columns - Pad; c++)
            {
                var vx = CovarianceNorm * (uxx[r, c] - ux[r, c] * ux[r, c]);
                var vy = CovarianceNorm * (uyy[r, c] - uy[r, c] * uy[r, c]);
                var vxy = CovarianceNorm * (uxy[r, c] - ux[r, c] * uy[r, c]);
                var numerator = (2 * ux[r, c] * uy[r, c] + c1) * (2 * vxy + c2);
                var denominator = (ux[r, c] * ux[r, c] + uy[r, c] * uy[r, c] + c1) * (vx + vy + c2);
                sum += numerator / denominator;
                count++;
            }
        }

        return sum / count;
    }

    /// <summary>
    /// The histogram-of-oriented-gradients feature vector of a map, as <c>skimage.feature.hog(map,
    /// pixels_per_cell=(cellSize, cellSize))</c> computes it: central-difference gradients (zero on the border), 9 unsigned
    /// orientation bins per cell holding the mean magnitude of the pixels whose angle falls in the bin, blocks of 3 × 3 cells
    /// normalised by L2-Hys (clipped at 0.2), flattened block by block. As in scikit-image, a cell's sums are accumulated
    /// in single precision.
    /// </summary>
    /// <param name="map">The map, at least 3 cells on each side.</param>
    /// <param name="cellSize">The cell's side in pixels; the paper's 16 by default.</param>
    /// <returns>The feature vector.</returns>
    /// <exception cref="ArgumentException">The map is smaller than 3 × 3 cells.</exception>
    /// <exception cref="CamNumericException">The map holds NaN.</exception>
    public static double[] HogFeatures(double[,] map, int cellSize = 16)
    {
        const int Orientations = 9, BlockCells = 3;
        const double Epsilon = 1e-5;
        ArgumentNullException.ThrowIfNull(map);
        ArgumentOutOfRangeException.ThrowIfLessThan(cellSize, 1);
        var (rows, columns) = (map.GetLength(0), map.GetLength(1));
        var (cellRows, cellColumns) = (rows / cellSize, columns / cellSize);
        if (cellRows < BlockCells || cellColumns < BlockCells)
        {
            throw new ArgumentException($"A {rows} × {columns} map has fewer than {BlockCells} × {BlockCells} cells of {cellSize} pixels: give a larger map or a smaller cell.", nameof(map));
        }

        RequireNoNaN(map, nameof(map));
        // scikit-image sums a cell's magnitudes in a C float (cell_hog's "cdef float total"): so does this, in the same order.
        var histogram = new float[cellRows, cellColumns, Orientations];
        for (var r = 0; r < cellRows * cellSize; r++)
        {
            for (var c = 0; c < cellColumns * cellSize; c++)
            {
                var gRow = r == 0 || r == rows - 1 ? 0 : map[r + 1, c] - map[r - 1, c];
                var gColumn = c == 0 || c == columns - 1 ? 0 : map[r, c + 1] - map[r, c - 1];
                var magnitude = Math.Sqrt(gRow * gRow + gColumn * gColumn);
                var angle = Math.Atan2(gRow, gColumn) * (180.0 / Math.PI);
                angle %= 180.0;
                if (angle < 0)
                {
                    angle += 180.0;
                }

                // scikit-image bins by comparison with i·20° ≤ angle < (i + 1)·20°.
                for (var bin = 0; bin < Orientations; bin++)
                {
                    if (angle >= 180.0 / Orientations * bin && angle < 180.0 / Orientations * (bin + 1))
                    {
                        histogram[r / cellSize, c / cellSize, bin] = (float)(histogram[r / cellSize, c / cellSize, bin] + magnitude);
                        break;
                    }
                }
            }
        }

        var features = new List<double>();
        var block = new double[BlockCells * BlockCells * Orientations];
        for (var br = 0; br + BlockCells <= cellRows; br++)
        {
            for (var bc = 0; bc + BlockCells <= cellColumns; bc++)
            {
                var i = 0;
                for (var r = 0; r < BlockCells; r++)
                {
                    for (var c = 0; c < BlockCells; c++)
                    {
                        for (var o = 0; o < Orientations; o++)
                        {
                            block[i++] = histogram[br + r, bc + c, o] / (float)(cellSize * cellSize);
                        }
                    }
                }

                var norm = Math.Sqrt(block.Sum(v => v * v) + Epsilon * Epsilon);
                for (var k = 0; k < block.Length; k++)
                {
                    block[k] = Math.Min(block[k] / norm, 0.2);
                }

                norm = Math.Sqrt(block.Sum(v => v * v) + Epsilon * Epsilon);
                features.AddRange(block.Select(v => v / norm));
            }
        }

        return [.. features];
    }

    /// <summary>The paper's HOG similarity: the Spearman rank correlation of the two maps' <see cref="HogFeatures"/>.</summary>
    /// <param name="first">The first map, normalised to [0, 1].</param>
    /// <param name="second">The second map, of the same shape.</param>
    /// <param name="cellSize">The cell's side in pixels; 16 by default.</param>
    /// <returns>The correlation, or NaN when either map has no gradient.</returns>
    public static double HogSimilarity(double[,] first, double[,] second, int cellSize = 16)
    {
        RequireSameShape(first, second, minimum: 1);
        return SpearmanCorrelation(HogFeatures(first, cellSize), HogFeatures(second, cellSize));
    }

    /// <summary>The paper's <c>normalize_image</c>: (map − min) / (max − min); a constant map becomes zeros.</summary>
    /// <param name="map">The map.</param>
    /// <returns>A new map in [0, 1].</returns>
    public static double[,] MinMaxNormalized(double[,] map)
    {
        ArgumentNullException.ThrowIfNull(map);
        var values = Flatten(map);
        var (min, max) = (values.Min(), values.Max());
        return HostArrays.Select(map, v => max > min ? (v - min) / (max - min) : 0.0);
    }

    /// <summary>
    /// The paper's <c>abs_grayscale_norm</c> for a single-channel map: |map| / max |map| (zeros for an all-zero map).
    /// </summary>
    /// <param name="map">The map.</param>
    /// <returns>A new map in [0, 1].</returns>
    public static double[,] AbsoluteNormalized(double[,] map)
    {
        ArgumentNullException.ThrowIfNull(map);
        var max = Flatten(map).Max(Math.Abs);
        return HostArrays.Select(map, v => max > 0 ? Math.Abs(v) / max : 0.0);
    }

    /// <summary>
    /// The paper's <c>abs_grayscale_norm</c> for a gradient picture (channels × rows × columns), which is PAIR saliency's
    /// <c>VisualizeImageGrayscale</c>: the sum of absolute values over channels, scaled by its 99th percentile and clipped to [0, 1].
    /// </summary>
    /// <param name="picture">The gradient picture, indexed [channel, row, column].</param>
    /// <returns>A map in [0, 1].</returns>
    public static double[,] AbsoluteNormalized(float[,,] picture)
    {
        var summed = SumChannels(picture, Math.Abs);
        var values = Flatten(summed);
        var (min, max) = (values.Min(), Percentile(values, 99));
        return HostArrays.Select(summed, v => max > min ? Math.Clamp((v - min) / (max - min), 0, 1) : 0.0);
    }

    /// <summary>
    /// The paper's <c>diverging_norm</c> for a gradient picture, PAIR saliency's <c>VisualizeImageDiverging</c>: the sum over
    /// channels, mapped by (v + s) / 2s with s the absolute 99th percentile, clipped to [-1, 1].
    /// </summary>
    /// <param name="picture">The gradient picture, indexed [channel, row, column].</param>
    /// <returns>The signed map.</returns>
    public static double[,] DivergingNormalized(float[,,] picture)
    {
        var summed = SumChannels(picture, static v => v);
        var span = Math.Abs(Percentile(Flatten(summed), 99));
        return HostArrays.Select(summed, v => span > 0 ? Math.Clamp((v + span) / (2 * span), -1, 1) : 0.0);
    }

    /// <summary>
    /// The paper's <c>diverging_norm</c> for a single-channel map: map / max |map|.
    /// </summary>
    /// <param name="map">The map.</param>
    /// <returns>A new map in [-1, 1].</returns>
    public static double[,] DivergingNormalized(double[,] map)
    {
        ArgumentNullException.ThrowIfNull(map);
        var max = Flatten(map).Max(Math.Abs);
        return HostArrays.Select(map, v => max > 0 ? v / max : 0.0);
    }

    /// <summary>NumPy's default percentile (linear interpolation between the closest ranks).</summary>
    /// <param name="values">The values.</param>
    /// <param name="percentile">The percentile, 0 to 100.</param>
    /// <returns>The percentile.</returns>
    public static double Percentile(IReadOnlyList<double> values, double percentile)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0 || percentile is < 0 or > 100 || double.IsNaN(percentile))
        {
            throw new ArgumentException($"A percentile from 0 to 100 ({percentile}) of at least one value ({values.Count}) is needed.", nameof(percentile));
        }

        var sorted = values.Order().ToArray();
        var position = percentile / 100.0 * (sorted.Length - 1);
        var low = (int)Math.Floor(position);
        var high = Math.Min(low + 1, sorted.Length - 1);
        return sorted[low] + (sorted[high] - sorted[low]) * (position - low);
    }

    internal static double[,] ToDouble(float[,] map) => HostArrays.Select(map, static v => (double)v);

    /// <summary>The sum over channels of a gradient picture (channels × rows × columns).</summary>
    internal static double[,] ChannelSum(float[,,] picture) => SumChannels(picture, static v => v);

    private static double[,] SumChannels(float[,,] picture, Func<double, double> each)
    {
        ArgumentNullException.ThrowIfNull(picture);
        var (channels, rows, columns) = (picture.GetLength(0), picture.GetLength(1), picture.GetLength(2));
        var result = new double[rows, columns];
        for (var ch = 0; ch < channels; ch++)
        {
            for (var r = 0; r < rows; r++)
            {
                for (var c = 0; c < columns; c++)
                {
                    if (float.IsNaN(picture[ch, r, c]))
                    {
                        throw new CamNumericException("The gradient picture holds NaN: the explanation that made it failed numerically.");
                    }

                    result[r, c] += each(picture[ch, r, c]);
                }
            }
        }

        return result;
    }

    private static double[] Ranks(double[] values)
    {
        var order = Enumerable.Range(0, values.Length).OrderBy(i => values[i]).ToArray();
        var ranks = new double[values.Length];
        for (var start = 0; start < order.Length;)
        {
            var end = start;
            while (end + 1 < order.Length && values[order[end + 1]] == values[order[start]])
            {
                end++;
            }

            var rank = (start + end) / 2.0 + 1;
            for (var k = start; k <= end; k++)
            {
                ranks[order[k]] = rank;
            }

            start = end + 1;
        }

        return ranks;
    }

    private static double Pearson(double[] x, double[] y)
    {
        var (mx, my) = (x.Average(), y.Average());
        var (sxy, sxx, syy) = (0.0, 0.0, 0.0);
        for (var i = 0; i < x.Length; i++)
        {
            var (dx, dy) = (x[i] - mx, y[i] - my);
            sxy += dx * dy;
            sxx += dx * dx;
            syy += dy * dy;
        }

        return sxx == 0 || syy == 0 ? double.NaN : Math.Clamp(sxy / Math.Sqrt(sxx * syy), -1, 1);
    }

    private static double[] Flatten<T>(T[,] map) where T : IConvertible
    {
        var result = new double[map.Length];
        var i = 0;
        foreach (var v in map)
        {
            result[i++] = v.ToDouble(null);
        }

        return result;
    }

    private static double[,] Combine(double[,] a, double[,] b, Func<double, double, double> each)
    {
        var result = new double[a.GetLength(0), a.GetLength(1)];
        for (var r = 0; r < a.GetLength(0); r++)
        {
            for (var c = 0; c < a.GetLength(1); c++)
            {
                result[r, c] = each(a[r, c], b[r, c]);
            }
        }

        return result;
    }

    private static void RequireSameShape(double[,] first, double[,] second, int minimum)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        if (first.GetLength(0) != second.GetLength(0) || first.GetLength(1) != second.GetLength(1))
        {
            throw new ArgumentException($"The maps differ in shape ({first.GetLength(0)} × {first.GetLength(1)} and {second.GetLength(0)} × {second.GetLength(1)}): compare maps of the same image size.", nameof(second));
        }

        if (first.GetLength(0) < minimum || first.GetLength(1) < minimum)
        {
            throw new ArgumentException($"The maps are {first.GetLength(0)} × {first.GetLength(1)}; this statistic needs at least {minimum} × {minimum}.", nameof(first));
        }

        RequireNoNaN(first, nameof(first));
        RequireNoNaN(second, nameof(second));
    }

    private static void RequireNoNaN(double[,] map, string name)
    {
        foreach (var v in map)
        {
            if (double.IsNaN(v))
            {
                throw new CamNumericException("The map holds NaN: a map computed from a broken model cannot be compared.");
            }
        }
    }
}
