using System;
using System.Collections.Generic;

namespace CamSdk.Evaluation;

/// <summary>
/// ROAD's noisy linear imputation (Rong et al., "A Consistent and Efficient Evaluation Strategy for Attribution Methods",
/// ICML 2022), as pytorch-grad-cam's <c>NoisyLinearImputer</c> (taken from the authors' code) computes it: each removed
/// pixel becomes the weighted mean of its eight neighbours (1/6 for the four sides, 1/12 for the diagonals; neighbours
/// outside the image drop out), all removed pixels solved together as one sparse linear system per channel, plus Gaussian
/// noise.
/// </summary>
/// <remarks>
/// The system is solved by conjugate gradients with a Jacobi preconditioner to a relative residual of 1e-12, where the
/// reference calls SciPy's sparse LU (<c>spsolve</c>); the solutions agree to rounding. A removed region that touches no kept
/// pixel has no unique solution (SciPy reports a singular matrix); CamSdk fills it with zeros, the normalised input's mean.
/// </remarks>
public static class RoadImputation
{
    private static readonly (int Row, int Column, double Weight)[] Neighbours =
    [
        (1, 1, 1.0 / 12), (0, 1, 1.0 / 6), (-1, 1, 1.0 / 12), (1, -1, 1.0 / 12),
        (0, -1, 1.0 / 6), (-1, -1, 1.0 / 12), (1, 0, 1.0 / 6), (-1, 0, 1.0 / 6),
    ];

    /// <summary>pytorch-grad-cam's noise: 0.01 (absolute, on the normalised input).</summary>
    public const double DefaultNoise = 0.01;

    /// <summary>Imputes the removed pixels of an image.</summary>
    /// <param name="image">The image, [channel, row, column] (the model's normalised input).</param>
    /// <param name="keep">[row, column]: true where the pixel is kept, false where it is removed and imputed.</param>
    /// <param name="noise">The standard deviation of the Gaussian noise added to imputed values; 0 for none.</param>
    /// <param name="random">The noise's source; null for a new unseeded one.</param>
    /// <returns>A new image with the removed pixels imputed.</returns>
    /// <exception cref="ArgumentException">The mask's shape differs from the image's, or the noise is negative.</exception>
    public static float[,,] Impute(float[,,] image, bool[,] keep, double noise = DefaultNoise, Random? random = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(keep);
        var (channels, rows, columns) = (image.GetLength(0), image.GetLength(1), image.GetLength(2));
        if (keep.GetLength(0) != rows || keep.GetLength(1) != columns)
        {
            throw new ArgumentException($"The mask is {keep.GetLength(0)} × {keep.GetLength(1)} but the image is {rows} × {columns}: give one flag per pixel.", nameof(keep));
        }

        if (!(noise >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(noise), noise, "The noise must be 0 or more.");
        }

        var result = (float[,,])image.Clone();
        var unknown = new List<int>();
        var variable = new int[rows * columns];
        for (var p = 0; p < rows * columns; p++)
        {
            variable[p] = keep[p / columns, p % columns] ? -1 : unknown.Count;
            if (variable[p] >= 0)
            {
                unknown.Add(p);
            }
        }

        if (unknown.Count == 0)
        {
            return result;
        }

        // Each equation i: S_i x_i − Σ_{removed j} w_ij x_j = Σ_{kept j} w_ij v_j, with S_i the weight of i's neighbours
        // inside the image: the reference's system times −1, symmetric and (where it is regular) positive definite.
        var n = unknown.Count;
        var diagonal = new double[n];
        var links = new List<(int To, double Weight)>[n];
        var known = new List<(int Pixel, double Weight)>[n];
        for (var i = 0; i < n; i++)
        {
            var (row, column) = (unknown[i] / columns, unknown[i] % columns);
            (links[i], known[i]) = (new List<(int, double)>(8), new List<(int, double)>(8));
            foreach (var (dr, dc, weight) in Neighbours)
            {
                var (r, c) = (row + dr, column + dc);
                if (r < 0 || c < 0 || r >= rows || c >= columns)
                {
                    continue;
                }

                diagonal[i] += weight;
                var pixel = r * columns + c;
                if (variable[pixel] >= 0)
                {
                    links[i].Add((variable[pixel], weight));
                }
                else
                {
                    known[i].Add((pixel, weight));
                }
            }
        }

        random ??= new Random();
        var b = new double[channels][];
        for (var ch = 0; ch < channels; ch++)
        {
            b[ch] = new double[n];
            for (var i = 0; i < n; i++)
            {
                foreach (var (pixel, weight) in known[i])
                {
                    b[ch][i] += weight * image[ch, pixel / columns, pixel % columns];
                }
            }
        }

        var x = Solve(diagonal, links, b);
        for (var ch = 0; ch < channels; ch++)
        {
            for (var i = 0; i < n; i++)
            {
                result[ch, unknown[i] / columns, unknown[i] % columns] = (float)(x[ch][i] + (noise > 0 ? noise * Gaussian(random) : 0));
            }
        }

        return result;
    }

    /// <summary>
    /// Preconditioned conjugate gradients for (D − W) x = b, one independent run per right-hand side (channel) sharing each
    /// pass over the matrix.
    /// </summary>
    private static double[][] Solve(double[] diagonal, List<(int To, double Weight)>[] links, double[][] b)
    {
        var (n, k) = (diagonal.Length, b.Length);
        var x = new double[k][];
        var r = new double[k][];
        var z = new double[k][];
        var p = new double[k][];
        var q = new double[k][];
        var rz = new double[k];
        var limit = new double[k];
        var active = new bool[k];
        for (var c = 0; c < k; c++)
        {
            (x[c], r[c], z[c], q[c]) = (new double[n], (double[])b[c].Clone(), new double[n], new double[n]);
            for (var i = 0; i < n; i++)
            {
                z[c][i] = r[c][i] / diagonal[i];
            }

            p[c] = (double[])z[c].Clone();
            rz[c] = Dot(r[c], z[c]);
            limit[c] = 1e-24 * Dot(b[c], b[c]);
            active[c] = Dot(r[c], r[c]) > limit[c];
        }

        for (var iteration = 0; iteration < 10 * n + 100 && Array.IndexOf(active, true) >= 0; iteration++)
        {
            for (var i = 0; i < n; i++)
            {
                var neighbours = links[i];
                for (var c = 0; c < k; c++)
                {
                    if (!active[c])
                    {
                        continue;
                    }

                    var pc = p[c];
                    var sum = diagonal[i] * pc[i];
                    foreach (var (to, weight) in neighbours)
                    {
                        sum -= weight * pc[to];
                    }

                    q[c][i] = sum;
                }
            }

            for (var c = 0; c < k; c++)
            {
                if (!active[c])
                {
                    continue;
                }

                var pq = Dot(p[c], q[c]);
                if (!(pq > 0))
                {
                    active[c] = false;
                    continue;
                }

                var alpha = rz[c] / pq;
                var (xc, rc, zc, pc, qc) = (x[c], r[c], z[c], p[c], q[c]);
                var (next, residual) = (0.0, 0.0);
                for (var i = 0; i < n; i++)
                {
                    xc[i] += alpha * pc[i];
                    rc[i] -= alpha * qc[i];
                    zc[i] = rc[i] / diagonal[i];
                    next += rc[i] * zc[i];
                    residual += rc[i] * rc[i];
                }

                var beta = next / rz[c];
                rz[c] = next;
                for (var i = 0; i < n; i++)
                {
                    pc[i] = zc[i] + beta * pc[i];
                }

                active[c] = residual > limit[c];
            }
        }

        return x;
    }

    private static double Dot(double[] a, double[] b)
    {
        var sum = 0.0;
        for (var i = 0; i < a.Length; i++)
        {
            sum += a[i] * b[i];
        }

        return sum;
    }

    private static double Gaussian(Random random)
    {
        var u = 1.0 - random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u)) * Math.Cos(2.0 * Math.PI * random.NextDouble());
    }
}
