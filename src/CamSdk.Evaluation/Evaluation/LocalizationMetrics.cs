using System;
using CamSdk.Localization;

namespace CamSdk.Evaluation;

/// <summary>
/// The metrics of CamSdk's evaluation on one map: weakly-supervised localisation as section 4.1 of the Grad-CAM paper
/// measures it, the pointing game, and the share of a map's mass inside a box (class discrimination).
/// </summary>
/// <remarks>
/// Maps are indexed [row, column] at the image's resolution (e.g. <see cref="CamResult.HeatmapToArray"/>). Boxes are in the
/// image's pixels with inclusive edges. Pointing and mass count only the map's pixels, so a box reaching beyond the map
/// gains nothing there; intersection over union compares the boxes as given. A map containing NaN is rejected.
/// </remarks>
public static class LocalizationMetrics
{
    /// <summary>The intersection over union at which a predicted box counts as a correct localisation: 0.5.</summary>
    public const double IouThreshold = 0.5;

    /// <summary>
    /// Whether a map localises an object as the Grad-CAM paper counts it: the box around the largest connected segment of
    /// the map thresholded at <paramref name="threshold"/> × its maximum (<see cref="CamLocalizer.Localize"/>) overlaps the
    /// ground truth with an intersection over union of at least 0.5. A map with no positive value localises nothing.
    /// </summary>
    /// <param name="map">The map.</param>
    /// <param name="truth">The ground-truth box.</param>
    /// <param name="threshold">The fraction of the maximum; the paper's 15% by default.</param>
    /// <returns>True when the object is localised.</returns>
    public static bool Localizes(float[,] map, BoundingBox truth, float threshold = CamLocalizer.DefaultThreshold) =>
        IsCorrect(CamLocalizer.Localize(map, threshold), truth);

    /// <summary>Whether a predicted box is a correct localisation: it exists and its IoU with the truth is at least <see cref="IouThreshold"/>.</summary>
    /// <param name="predicted">The predicted box, or null for none.</param>
    /// <param name="truth">The ground-truth box.</param>
    /// <returns>True when correct.</returns>
    public static bool IsCorrect(BoundingBox? predicted, BoundingBox truth) =>
        predicted is { } box && box.IntersectionOverUnion(truth) >= IouThreshold;

    /// <summary>
    /// The pointing game (Zhang et al., 2016, without tolerance): a hit when the map's maximum falls inside the box. When
    /// several pixels share the maximum, every one of them must be inside, so a flat map does not score by luck; a map with
    /// no positive value is a miss.
    /// </summary>
    /// <param name="map">The map.</param>
    /// <param name="truth">The ground-truth box.</param>
    /// <returns>True for a hit.</returns>
    public static bool PointingGameHit(float[,] map, BoundingBox truth)
    {
        var max = CamLocalizer.Maximum(map);
        if (!(max > 0))
        {
            return false;
        }

        for (var row = 0; row < map.GetLength(0); row++)
        {
            for (var column = 0; column < map.GetLength(1); column++)
            {
                if (map[row, column] == max && !Contains(truth, row, column))
                {
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>
    /// The share of a map's mass inside a box: the sum of its positive values inside, over the sum of all its positive
    /// values (negative values count as zero). A map with no positive value has no mass anywhere: 0.
    /// </summary>
    /// <param name="map">The map.</param>
    /// <param name="box">The box.</param>
    /// <returns>A share in [0, 1].</returns>
    public static double MassShare(float[,] map, BoundingBox box) => Share(map, (row, column) => Contains(box, row, column));

    /// <summary>
    /// The share of a map's mass inside a region given as a mask (shortcut detection: how much of the explanation falls on a
    /// watermark, a ruler, a tag): the sum of its positive values where the mask is true over the sum of all its positive
    /// values; 0 for a map with no positive value.
    /// </summary>
    /// <param name="map">The map.</param>
    /// <param name="region">[row, column]: true inside the region; the map's shape.</param>
    /// <returns>The share, 0 to 1.</returns>
    /// <exception cref="ArgumentException">The mask's shape differs from the map's.</exception>
    /// <exception cref="CamNumericException">The map holds NaN.</exception>
    public static double MassShare(float[,] map, bool[,] region)
    {
        ArgumentNullException.ThrowIfNull(map);
        ArgumentNullException.ThrowIfNull(region);
        if (region.GetLength(0) != map.GetLength(0) || region.GetLength(1) != map.GetLength(1))
        {
            throw new ArgumentException($"The region's mask is {region.GetLength(0)} × {region.GetLength(1)} but the map is {map.GetLength(0)} × {map.GetLength(1)}: give one flag per map pixel.", nameof(region));
        }

        return Share(map, (row, column) => region[row, column]);
    }

    private static double Share(float[,] map, Func<int, int, bool> inside)
    {
        CamLocalizer.Maximum(map);
        var (within, total) = (0.0, 0.0);
        for (var row = 0; row < map.GetLength(0); row++)
        {
            for (var column = 0; column < map.GetLength(1); column++)
            {
                var value = Math.Max(0f, map[row, column]);
                total += value;
                within += inside(row, column) ? value : 0;
            }
        }

        return total > 0 ? within / total : 0;
    }

    /// <summary>The centred-box baseline: a box of the given size centred on the image, clipped to it.</summary>
    /// <param name="width">The image's width.</param>
    /// <param name="height">The image's height.</param>
    /// <param name="boxWidth">The box's width (e.g. the ground-truth boxes' mean width).</param>
    /// <param name="boxHeight">The box's height.</param>
    /// <returns>The box.</returns>
    public static BoundingBox CentredBox(int width, int height, int boxWidth, int boxHeight)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        boxWidth = Math.Clamp(boxWidth, 1, width);
        boxHeight = Math.Clamp(boxHeight, 1, height);
        var (left, top) = ((width - boxWidth) / 2, (height - boxHeight) / 2);
        return new BoundingBox(left, top, left + boxWidth - 1, top + boxHeight - 1);
    }

    /// <summary>
    /// A pixel map from a gradient image (Guided Backpropagation, Guided Grad-CAM): the largest absolute value over the
    /// channels at each pixel, as Simonyan et al. (2014) make a saliency map for localisation.
    /// </summary>
    /// <param name="gradients">The gradients, indexed [channel, row, column].</param>
    /// <returns>The map, indexed [row, column].</returns>
    public static float[,] Saliency(float[,,] gradients)
    {
        ArgumentNullException.ThrowIfNull(gradients);
        var (channels, rows, columns) = (gradients.GetLength(0), gradients.GetLength(1), gradients.GetLength(2));
        var map = new float[rows, columns];
        for (var row = 0; row < rows; row++)
        {
            for (var column = 0; column < columns; column++)
            {
                var value = 0f;
                for (var channel = 0; channel < channels; channel++)
                {
                    value = Math.Max(value, Math.Abs(gradients[channel, row, column]));
                }

                map[row, column] = value;
            }
        }

        return map;
    }

    private static bool Contains(BoundingBox box, int row, int column) =>
        row >= box.Top && row <= box.Bottom && column >= box.Left && column <= box.Right;
}
