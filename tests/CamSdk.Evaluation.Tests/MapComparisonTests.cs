using CamSdk.Evaluation;
using CamSdk.Internal;

namespace CamSdk.Tests;

/// <summary>
/// The sanity checks' statistics against SciPy 1.10.1 and scikit-image 0.19.3 on exact integer-built arrays (the values were
/// computed with those libraries; scratch script in the closing note of issue 14), and against invariants.
/// </summary>
public sealed class MapComparisonTests
{
    /// <summary>A(h, w)[r, c] = ((7r + 13c + 3rc) mod 17) / 16.</summary>
    private static double[,] A(int rows, int columns) => Build(rows, columns, (r, c) => ((r * 7 + c * 13 + r * c * 3) % 17) / 16.0);

    /// <summary>B(h, w)[r, c] = ((5r + 11c + (rc mod 7)) mod 19) / 18.</summary>
    private static double[,] B(int rows, int columns) => Build(rows, columns, (r, c) => ((r * 5 + c * 11 + (r * c) % 7) % 19) / 18.0);

    [Fact]
    public void SpearmanMatchesScipyWithTies()
    {
        Assert.Equal(-0.04305043723284989, MapComparison.SpearmanCorrelation(A(6, 5), B(6, 5)), 12);
        Assert.Equal(1.0, MapComparison.SpearmanCorrelation(A(6, 5), A(6, 5)), 12);
        Assert.True(double.IsNaN(MapComparison.SpearmanCorrelation(new double[3, 3], A(3, 3))), "a constant map has no rank correlation (SciPy gives NaN)");
        Assert.Equal(-1.0, MapComparison.SpearmanCorrelation([1.0, 2, 3, 4], [8.0, 4, 2, 1]), 12);
    }

    [Fact]
    public void SpearmanOfIndependentRandomMapsIsNearZero()
    {
        // Under independence Spearman's ρ has standard deviation 1/√(n − 1): 4096 values give 0.0156; allow five of them.
        var random = new Random(14);
        var (a, b) = (Build(64, 64, (_, _) => random.NextDouble()), Build(64, 64, (_, _) => random.NextDouble()));
        Assert.InRange(MapComparison.SpearmanCorrelation(a, b), -5 / Math.Sqrt(4095), 5 / Math.Sqrt(4095));
        Assert.InRange(MapComparison.StructuralSimilarity(a, b), -0.05, 0.05);
        Assert.InRange(MapComparison.HogSimilarity(a, b), -0.4, 0.4); // 324 features, strongly dependent within a block
    }

    [Fact]
    public void StructuralSimilarityMatchesScikitImage()
    {
        // structural_similarity(A, B, gaussian_weights=True, sigma=1.5, data_range=1.0) with its default sample covariance.
        Assert.Equal(0.05323332090894631, MapComparison.StructuralSimilarity(A(24, 20), B(24, 20)), 12);
        Assert.Equal(1.0, MapComparison.StructuralSimilarity(A(24, 20), A(24, 20)), 12);
    }

    [Fact]
    public void StructuralSimilarityOfAConstantShiftFollowsTheFormula()
    {
        // Two constant maps a and b: every local variance is 0, so SSIM = (2ab + C1) / (a² + b² + C1) exactly.
        var (a, b) = (0.25, 0.75);
        var c1 = Math.Pow(0.01, 2);
        var expected = (2 * a * b + c1) / (a * a + b * b + c1);
        Assert.Equal(expected, MapComparison.StructuralSimilarity(Build(16, 16, (_, _) => a), Build(16, 16, (_, _) => b)), 12);
    }

    [Fact]
    public void HogMatchesScikitImage()
    {
        // hog(A(64, 48), orientations=9, pixels_per_cell=(16, 16), cells_per_block=(3, 3), block_norm='L2-Hys').
        var a = MapComparison.HogFeatures(A(64, 48));
        var b = MapComparison.HogFeatures(B(64, 48));
        Assert.Equal(162, a.Length);
        double[] first12 = [0.1646336429101263, 0.09193569602512394, 0.14861168033928068, 0.08832170710321734, 0.10934906483357837, 0.05922141622501558, 0.11834418113104835, 0.10123229107137904, 0.04043190391323497, 0.15663770575211486, 0.10592554874102394, 0.15101186454533042];
        for (var i = 0; i < 12; i++)
        {
            Assert.Equal(first12[i], a[i], 12);
        }

        Assert.Equal(17.085731825918465, a.Sum(), 10);
        Assert.Equal(1.9999999998, a.Sum(v => v * v), 10);
        Assert.Equal(14.512651901157156, b.Sum(), 10);
        Assert.Equal(0.10221939894123241, MapComparison.HogSimilarity(A(64, 48), B(64, 48)), 10);
        Assert.Equal(1.0, MapComparison.HogSimilarity(A(64, 48), A(64, 48)), 12);
    }

    [Fact]
    public void GaussianFilterMatchesScipy()
    {
        // scipy.ndimage.gaussian_filter(A(9, 8), sigma=1.5, truncate=3.5): the filter SSIM is built on.
        double[] expectedFirstRow = [0.4313380822891672, 0.4307029821980545, 0.40196880105955723, 0.36017683216334423, 0.34861821499975343, 0.3658660421460134, 0.3740972563853101, 0.36650461545828755];
        var filtered = GaussianFilter.Apply(A(9, 8), 1.5, 3.5);
        for (var c = 0; c < 8; c++)
        {
            Assert.Equal(expectedFirstRow[c], filtered[0, c], 12);
        }

        Assert.Equal(0.6001877033812542, filtered[8, 7], 12);

        // RISE's blur kernel, gkern(11, 5): gaussian_filter(σ = 5) of an 11 × 11 delta (reflect boundary, radius 20 > 11).
        var delta = new double[11, 11];
        delta[5, 5] = 1;
        var kernel = GaussianFilter.Apply(delta, 5.0);
        Assert.Equal(0.007736635408576913, kernel[0, 0], 14);
        Assert.Equal(0.008832628216191647, kernel[5, 5], 14);
        Assert.Equal(0.008310843872908636, kernel[4, 1], 14);
        Assert.Equal(1.0, kernel.Cast<double>().Sum(), 12);
    }

    [Fact]
    public void PercentileInterpolatesAsNumpy()
    {
        var values = A(6, 5).Cast<double>().ToList();
        double[] expected = [0.0625, 0.11250000000000004, 0.1875, 0.2875000000000001, 0.34375, 0.4375, 0.5625, 0.6875, 0.8187500000000001];
        for (var p = 1; p <= 9; p++)
        {
            Assert.Equal(expected[p - 1], MapComparison.Percentile(values, p * 10), 12);
        }
    }

    [Fact]
    public void NormalisationsFollowThePapersCode()
    {
        var map = new double[,] { { -2, 0 }, { 1, 4 } };
        Assert.Equal(new double[,] { { 0, 2 / 6.0 }, { 3 / 6.0, 1 } }, MapComparison.MinMaxNormalized(map));
        Assert.Equal(new double[,] { { 0.5, 0 }, { 0.25, 1 } }, MapComparison.AbsoluteNormalized(map));
        Assert.Equal(new double[,] { { -0.5, 0 }, { 0.25, 1 } }, MapComparison.DivergingNormalized(map));

        // A gradient picture: channels summed (absolute values for the grayscale view), scaled by the 99th percentile.
        var picture = new float[2, 1, 3];
        (picture[0, 0, 0], picture[1, 0, 0], picture[0, 0, 1], picture[1, 0, 1], picture[0, 0, 2]) = (1, -1, 2, 0, 0);
        var gray = MapComparison.AbsoluteNormalized(picture); // sums 2, 2, 0: min 0, 99th percentile 2
        Assert.Equal(new double[,] { { 1, 1, 0 } }, gray);
        var diverging = MapComparison.DivergingNormalized(picture); // sums 0, 2, 0: span = |p99| = 1.96
        Assert.Equal(0.5, diverging[0, 0], 12);
        Assert.Equal(1.0, diverging[0, 1], 12);
    }

    [Fact]
    public void BadInputIsRefusedWithAReason()
    {
        var error = Assert.Throws<ArgumentException>(() => MapComparison.SpearmanCorrelation(A(4, 4), A(4, 5)));
        Assert.Contains("shape", error.Message);
        Assert.Contains("11 × 11", Assert.Throws<ArgumentException>(() => MapComparison.StructuralSimilarity(A(8, 8), A(8, 8))).Message);
        Assert.Contains("cells", Assert.Throws<ArgumentException>(() => MapComparison.HogFeatures(A(40, 40))).Message);
        var nan = A(12, 12);
        nan[3, 3] = double.NaN;
        Assert.Contains("NaN", Assert.Throws<CamNumericException>(() => MapComparison.StructuralSimilarity(nan, A(12, 12))).Message);
    }

    private static double[,] Build(int rows, int columns, Func<int, int, double> value)
    {
        var result = new double[rows, columns];
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < columns; c++)
            {
                result[r, c] = value(r, c);
            }
        }

        return result;
    }
}
