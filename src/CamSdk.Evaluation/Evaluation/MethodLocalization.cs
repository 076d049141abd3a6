namespace CamSdk.Evaluation;

/// <summary>One method's weakly-supervised localisation figures (section 4.1 of the Grad-CAM paper) and pointing game.</summary>
/// <param name="MethodKey">The method's key (e.g. <c>gradcam</c>, <c>guided-gradcam</c>, <c>centred-box</c>).</param>
/// <param name="Top1Error">Top-1 localisation error: the share of images whose top-1 class is wrong or whose box has IoU &lt; 0.5 with the ground truth.</param>
/// <param name="GroundTruthClassError">Ground-truth-class localisation error: the share of images whose box for the true class has IoU &lt; 0.5 with the ground truth.</param>
/// <param name="PointingGame">The share of images whose true-class map has its maximum inside the ground-truth box.</param>
/// <param name="Images">How many images the figures are over.</param>
public sealed record MethodLocalization(string MethodKey, double Top1Error, double GroundTruthClassError, double PointingGame, int Images)
{
    /// <summary>Why the method could not be computed on these images (its figures are then NaN), or null.</summary>
    public string? Failure { get; init; }

    /// <summary>The method's name in reports (e.g. <c>GradCAM</c>, <c>Guided Backprop</c>); its key when not given.</summary>
    public string MethodName { get; init; } = MethodKey;
}
