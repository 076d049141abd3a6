using CamSdk.Localization;

namespace CamSdk.Tests;

public sealed class LocalizationTests
{
    private static float[,] Map(params string[] rows)
    {
        // Digits are values in tenths: '9' → 0.9, '.' → 0.
        var map = new float[rows.Length, rows[0].Length];
        for (int r = 0; r < rows.Length; r++)
        {
            for (int c = 0; c < rows[r].Length; c++)
            {
                map[r, c] = rows[r][c] == '.' ? 0 : (rows[r][c] - '0') / 10f;
            }
        }

        return map;
    }

    [Fact]
    public void LargestComponentWins()
    {
        var map = Map(
            "99......",
            "99......",
            "....111.",
            "....111.",
            "....111.");
        // 15% of 0.9 is 0.135: the 0.1 block is below it; with a 10% threshold it is the largest.
        Assert.Equal(new BoundingBox(0, 0, 1, 1), CamLocalizer.Localize(map));
        Assert.Equal(new BoundingBox(4, 2, 6, 4), CamLocalizer.Localize(map, 0.1f));
    }

    [Fact]
    public void DiagonalNeighboursAreConnected()
    {
        var map = Map(
            "9....",
            ".9...",
            "..9..",
            "....9");
        // 8-connectivity joins the diagonal of three; the lone pixel is another component.
        Assert.Equal(new BoundingBox(0, 0, 2, 2), CamLocalizer.Localize(map));
    }

    [Fact]
    public void EqualSizesAreDecidedByMassThenRasterOrder()
    {
        Assert.Equal(new BoundingBox(3, 0, 3, 1), CamLocalizer.Localize(Map("5..9", "5..9")));
        Assert.Equal(new BoundingBox(0, 0, 0, 1), CamLocalizer.Localize(Map("9..9", "9..9")));
    }

    [Fact]
    public void EmptyMapHasNoBox()
    {
        Assert.Null(CamLocalizer.Localize(Map("...", "...")));
        Assert.Throws<CamNumericException>(() => CamLocalizer.Localize(new float[,] { { float.NaN } }));
        Assert.Throws<ArgumentOutOfRangeException>(() => CamLocalizer.Localize(Map("9"), 1.5f));
    }

    [Fact]
    public void IntersectionOverUnionOfKnownBoxes()
    {
        var a = new BoundingBox(0, 0, 9, 9);
        Assert.Equal(1.0, a.IntersectionOverUnion(a));
        Assert.Equal(0.0, a.IntersectionOverUnion(new BoundingBox(10, 10, 12, 12)));
        // 10×10 and its right half shifted by 5: intersection 5×10 = 50, union 150.
        Assert.Equal(50.0 / 150.0, a.IntersectionOverUnion(new BoundingBox(5, 0, 14, 9)), 12);
        Assert.Equal(100, a.Area);
    }
}
