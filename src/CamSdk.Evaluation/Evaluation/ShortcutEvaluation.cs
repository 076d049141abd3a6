using System.Collections.Generic;

namespace CamSdk.Evaluation;

/// <summary>
/// A shortcut study, as the Grad-CAM paper's bias study (section 6.3): a model trained where a watermark gives the class
/// away, beside a model trained without it; the explanation's mass on the watermark exposes the shortcut, and the accuracy
/// without watermark shows what it costs.
/// </summary>
/// <param name="Models">The models compared (the shortcut model first).</param>
/// <param name="ClassNames">The class names.</param>
/// <param name="MethodKey">The key of the explanation measured.</param>
/// <param name="RegionShare">The watermark's share of the image's area: the mass share a map spread evenly would give.</param>
/// <param name="Images">Held-out images per accuracy and per mass share.</param>
/// <param name="Gallery">Example images with each model's map.</param>
public sealed record ShortcutEvaluation(IReadOnlyList<ShortcutModel> Models, IReadOnlyList<string> ClassNames, string MethodKey, double RegionShare, int Images, IReadOnlyList<ShortcutExample> Gallery)
{
    /// <summary>The explanation's name in reports; its key when not given.</summary>
    public string MethodName { get; init; } = MethodKey;
}
