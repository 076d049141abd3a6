using System;
using System.Collections.Generic;

namespace CamSdk.Localization;

/// <summary>
/// Weakly-supervised localisation as the Grad-CAM paper evaluates it: threshold the upsampled map at a fraction of its
/// maximum (15% by default), keep the largest 8-connected segment, and return the box around it.
/// </summary>
public static class CamLocalizer
{
    /// <summary>The paper's threshold: 15% of the map's maximum.</summary>
    public const float DefaultThreshold = 0.15f;

    /// <summary>
    /// The box around the largest 8-connected segment of pixels whose value is at least <paramref name="threshold"/> × the
    /// map's maximum. Among segments of equal size, the one with the larger total map value wins, then the first in
    /// raster order (row by row).
    /// </summary>
    /// <param name="map">A map indexed [row, column], e.g. <c>CamResult.HeatmapToArray(i)</c>.</param>
    /// <param name="threshold">The fraction of the maximum, in [0, 1].</param>
    /// <returns>The box, or null when the map has no positive value (nothing to localise).</returns>
    public static BoundingBox? Localize(float[,] map, float threshold = DefaultThreshold)
    {
        ArgumentNullException.ThrowIfNull(map);
        if (threshold is < 0 or > 1 || float.IsNaN(threshold))
        {
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "The threshold is a fraction of the map's maximum, from 0 to 1.");
        }

        var (rows, columns) = (map.GetLength(0), map.GetLength(1));
        var max = Maximum(map);
        if (!(max > 0))
        {
            return null;
        }

        var cut = threshold * max;
        var seen = new bool[rows, columns];
        var stack = new Stack<(int Row, int Column)>();
        BoundingBox? best = null;
        var (bestSize, bestMass) = (0, 0.0);
        for (int row = 0; row < rows; row++)
        {
            for (int column = 0; column < columns; column++)
            {
                if (seen[row, column] || map[row, column] < cut)
                {
                    continue;
                }

                var (size, mass) = (0, 0.0);
                var (left, top, right, bottom) = (column, row, column, row);
                seen[row, column] = true;
                stack.Push((row, column));
                while (stack.Count > 0)
                {
                    var (r, c) = stack.Pop();
                    size++;
                    mass += map[r, c];
                    (left, top, right, bottom) = (Math.Min(left, c), Math.Min(top, r), Math.Max(right, c), Math.Max(bottom, r));
                    for (int dr = -1; dr <= 1; dr++)
                    {
                        for (int dc = -1; dc <= 1; dc++)
                        {
                            var (nr, nc) = (r + dr, c + dc);
                            if (nr >= 0 && nr < rows && nc >= 0 && nc < columns && !seen[nr, nc] && map[nr, nc] >= cut)
                            {
                                seen[nr, nc] = true;
                                stack.Push((nr, nc));
                            }
                        }
                    }
                }

                if (size > bestSize || (size == bestSize && mass > bestMass))
                {
                    (best, bestSize, bestMass) = (new BoundingBox(left, top, right, bottom), size, mass);
                }
            }
        }

        return best;
    }

    /// <summary>The map's largest value (−∞ for an empty map); a map containing NaN is rejected.</summary>
    /// <exception cref="CamNumericException">The map contains NaN.</exception>
    internal static float Maximum(float[,] map)
    {
        ArgumentNullException.ThrowIfNull(map);
        var max = float.NegativeInfinity;
        foreach (var value in map)
        {
            if (float.IsNaN(value))
            {
                throw new CamNumericException("The map contains NaN: the explanation that made it failed numerically.");
            }

            max = Math.Max(max, value);
        }

        return max;
    }
}
