using CamSdk.Evaluation;
using CamSdk.Localization;

namespace CamSdk.Tests;

/// <summary>The evaluation's metrics on hand-built maps whose answers are known.</summary>
public sealed class EvaluationMetricsTests
{
    private static readonly BoundingBox Left = new(4, 8, 13, 17);    // 10×10 at columns 4–13, rows 8–17
    private static readonly BoundingBox Right = new(40, 30, 49, 39); // 10×10, disjoint from Left

    [Fact]
    public void APerfectMapLocalisesPointsAndHoldsAllItsMass()
    {
        var map = Map(64, 64, (Left, 1f));

        Assert.Equal(Left, CamLocalizer.Localize(map));
        Assert.True(LocalizationMetrics.Localizes(map, Left));
        Assert.True(LocalizationMetrics.PointingGameHit(map, Left));
        Assert.Equal(1.0, LocalizationMetrics.MassShare(map, Left));
        Assert.Equal(0.0, LocalizationMetrics.MassShare(map, Right));
    }

    [Fact]
    public void AMapOnTheWrongObjectFailsEveryMetric()
    {
        var map = Map(64, 64, (Right, 1f));

        Assert.False(LocalizationMetrics.Localizes(map, Left));
        Assert.False(LocalizationMetrics.PointingGameHit(map, Left));
        Assert.Equal(0.0, LocalizationMetrics.MassShare(map, Left));
        Assert.Equal(1.0, LocalizationMetrics.MassShare(map, Right));
    }

    [Fact]
    public void AnEmptyMapLocalisesNothingAndHasNoMass()
    {
        var map = new float[64, 64];

        Assert.Null(CamLocalizer.Localize(map));
        Assert.False(LocalizationMetrics.Localizes(map, Left));
        Assert.False(LocalizationMetrics.PointingGameHit(map, Left));
        Assert.Equal(0.0, LocalizationMetrics.MassShare(map, Left));
    }

    [Fact]
    public void TiedMaximaScoreAPointOnlyWhenAllAreInside()
    {
        var inside = Map(64, 64, (new BoundingBox(5, 9, 5, 9), 1f), (new BoundingBox(12, 16, 12, 16), 1f));
        var split = Map(64, 64, (new BoundingBox(5, 9, 5, 9), 1f), (new BoundingBox(45, 35, 45, 35), 1f));
        var flat = Map(64, 64, (new BoundingBox(0, 0, 63, 63), 0.5f));

        Assert.True(LocalizationMetrics.PointingGameHit(inside, Left));
        Assert.False(LocalizationMetrics.PointingGameHit(split, Left));
        Assert.False(LocalizationMetrics.PointingGameHit(flat, Left));
        Assert.True(LocalizationMetrics.PointingGameHit(flat, new BoundingBox(0, 0, 63, 63)));
        // Equal-sized segments: the one with more mass gives the box.
        var twoSegments = Map(64, 64, (Left, 0.6f), (Right, 0.9f));
        Assert.Equal(Right, CamLocalizer.Localize(twoSegments));
    }

    [Fact]
    public void BoxesOnAndBeyondTheBorderCountOnlyTheImagesPixels()
    {
        var corner = new BoundingBox(54, 54, 63, 63);
        var map = Map(64, 64, (corner, 1f));
        var overhanging = new BoundingBox(54, 54, 73, 73); // the part outside the 64×64 map holds nothing

        Assert.Equal(corner, CamLocalizer.Localize(map));
        Assert.True(LocalizationMetrics.Localizes(map, corner));
        Assert.True(LocalizationMetrics.PointingGameHit(map, overhanging));
        Assert.Equal(1.0, LocalizationMetrics.MassShare(map, overhanging));
        // IoU with the overhanging box: 100 / 400 pixels.
        Assert.Equal(0.25, corner.IntersectionOverUnion(overhanging), 12);
        Assert.False(LocalizationMetrics.Localizes(map, overhanging));
    }

    [Fact]
    public void AnIntersectionOverUnionOfExactlyOneHalfIsCorrect()
    {
        var half = new BoundingBox(4, 8, 13, 12); // the top 10×5 of Left: IoU 50 / 100
        Assert.Equal(0.5, half.IntersectionOverUnion(Left), 12);
        Assert.True(LocalizationMetrics.IsCorrect(half, Left));
        Assert.False(LocalizationMetrics.IsCorrect(new BoundingBox(4, 8, 13, 11), Left)); // 40 / 100
        Assert.False(LocalizationMetrics.IsCorrect(null, Left));
    }

    [Fact]
    public void TheFifteenPercentThresholdDropsAWeakerLargerSegment()
    {
        // A large segment at 10% of the maximum is below the cut; one at 20% joins the competition and wins by size.
        var below = Map(64, 64, (Left, 1f), (new BoundingBox(30, 30, 60, 60), 0.10f));
        var above = Map(64, 64, (Left, 1f), (new BoundingBox(30, 30, 60, 60), 0.20f));

        Assert.Equal(Left, CamLocalizer.Localize(below));
        Assert.Equal(new BoundingBox(30, 30, 60, 60), CamLocalizer.Localize(above));
    }

    [Fact]
    public void MassSharesWeighValuesAndIgnoreNegatives()
    {
        var map = Map(64, 64, (Left, 3f), (Right, 1f), (new BoundingBox(20, 20, 29, 29), -5f));

        Assert.Equal(0.75, LocalizationMetrics.MassShare(map, Left), 12);
        Assert.Equal(0.25, LocalizationMetrics.MassShare(map, Right), 12);
    }

    [Fact]
    public void MapsWithNaNAreRejected()
    {
        var map = Map(8, 8, (new BoundingBox(1, 1, 2, 2), 1f));
        map[5, 5] = float.NaN;

        Assert.Throws<CamNumericException>(() => LocalizationMetrics.PointingGameHit(map, Left));
        Assert.Throws<CamNumericException>(() => LocalizationMetrics.MassShare(map, Left));
    }

    [Fact]
    public void TheCentredBoxIsCentredAndClipped()
    {
        Assert.Equal(new BoundingBox(22, 27, 41, 36), LocalizationMetrics.CentredBox(64, 64, 20, 10));
        Assert.Equal(new BoundingBox(0, 0, 63, 63), LocalizationMetrics.CentredBox(64, 64, 100, 100));
    }

    [Fact]
    public void SaliencyIsTheLargestAbsoluteValueOverChannels()
    {
        var gradients = new float[3, 1, 2];
        (gradients[0, 0, 0], gradients[1, 0, 0], gradients[2, 0, 0]) = (0.5f, -2f, 1f);
        (gradients[0, 0, 1], gradients[1, 0, 1], gradients[2, 0, 1]) = (0f, 0f, 0f);

        var map = LocalizationMetrics.Saliency(gradients);

        Assert.Equal(2f, map[0, 0]);
        Assert.Equal(0f, map[0, 1]);
    }

    private static float[,] Map(int rows, int columns, params (BoundingBox Box, float Value)[] fills)
    {
        var map = new float[rows, columns];
        foreach (var (box, value) in fills)
        {
            for (var row = box.Top; row <= Math.Min(box.Bottom, rows - 1); row++)
            {
                for (var column = box.Left; column <= Math.Min(box.Right, columns - 1); column++)
                {
                    map[row, column] = value;
                }
            }
        }

        return map;
    }
}
