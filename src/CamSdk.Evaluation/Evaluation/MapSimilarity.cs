namespace CamSdk.Evaluation;

/// <summary>
/// How alike the maps of a randomised model are to the original's, averaged over the images (the statistics of Adebayo et
/// al.; see <see cref="MapComparison"/>). A rank correlation with a map that turned flat counts as 0 (1 when both maps are
/// the same flat map).
/// </summary>
/// <param name="SpearmanAbsolute">Spearman rank correlation of the absolute-value maps (the paper's "absolute value").</param>
/// <param name="Spearman">Spearman rank correlation of the signed maps (the paper's "no absolute value"); for the CAM family, whose maps are non-negative, the same as <paramref name="SpearmanAbsolute"/>.</param>
/// <param name="Ssim">Structural similarity of the min-max-normalised maps.</param>
/// <param name="Hog">Spearman rank correlation of the min-max-normalised maps' HOG features.</param>
/// <param name="Images">The images averaged over.</param>
public sealed record MapSimilarity(double SpearmanAbsolute, double Spearman, double Ssim, double Hog, int Images)
{
    /// <summary>
    /// Why the method's maps could not be computed at this step (with the learned weights, or on the randomised copy), or
    /// null when they were; the statistics are then NaN. The rest of the check goes on without it.
    /// </summary>
    public string? Failure { get; init; }
}
