using System;
using System.Collections.Generic;
using CamSdk.Internal;
using TorchSharp;

namespace CamSdk.Methods;

/// <summary>
/// A member of the CAM family: how one call's <see cref="CamCapture"/> becomes a map per image.
/// </summary>
/// <remarks>
/// <para>
/// <see cref="CamExplainer"/> owns everything the methods share, as pytorch-grad-cam's <c>BaseCAM</c> does: hooks,
/// one forward pass, target scores, at most one backward pass (only when a method of the call
/// <see cref="UsesGradients"/>), then, per method, ReLU, min-max scaling, bilinear upsampling and the combination
/// of several layers. A method only computes the map of one layer before the ReLU. Methods that weight whole
/// channels derive from <see cref="ChannelWeightCamMethod"/> and compute one weight per image and channel.
/// </para>
/// <para>
/// Every method is defined exactly as pytorch-grad-cam defines it, so that its maps equal that library's on the
/// same weights and input; where it departs from its paper, the method's documentation says so.
/// </para>
/// </remarks>
public abstract class CamMethod
{
    /// <summary>The method's name, as pytorch-grad-cam names its class (e.g. <c>GradCAM</c>, <c>ScoreCAM</c>).</summary>
    public abstract string Name { get; }

    /// <summary>
    /// The method's key, the one name it has everywhere (results, <c>metrics.json</c>, the report, the command line):
    /// pytorch-grad-cam's command-line name (<c>gradcam</c>, <c>gradcam++</c>, <c>scorecam</c>…; <c>cam</c> for CAM).
    /// A method of your own has its name in lower case unless it says otherwise.
    /// </summary>
    public virtual string Key => Name.ToLowerInvariant();

    /// <summary>Whether the method reads <see cref="CamCapture.Gradients"/>; a call whose methods all say no runs no backward pass.</summary>
    public virtual bool UsesGradients => true;

    /// <summary>Computes the maps of one layer, before the ReLU that every method shares.</summary>
    /// <param name="capture">What the call captured at the layer.</param>
    /// <param name="eigenSmooth">
    /// pytorch-grad-cam's <c>eigen_smooth</c>: replace the sum over channels of the per-channel contributions by
    /// their first principal component (see <see cref="SumOrProject"/>).
    /// </param>
    /// <returns>An N×h×w tensor on the capture's device.</returns>
    protected internal abstract torch.Tensor ComputeMaps(CamCapture capture, bool eigenSmooth);

    /// <summary>
    /// Σ_k of the per-channel contributions (N×K×h×w), or, with <paramref name="eigenSmooth"/>, their first principal
    /// component, as pytorch-grad-cam's <c>get_2d_projection</c> computes it with the sign fixed so that the larger extreme
    /// of the projection is positive.
    /// </summary>
    /// <param name="contributions">N×K×h×w, e.g. w_k·A^k.</param>
    /// <param name="eigenSmooth">Whether to project instead of summing.</param>
    /// <returns>N×h×w.</returns>
    protected static torch.Tensor SumOrProject(torch.Tensor contributions, bool eigenSmooth)
    {
        ArgumentNullException.ThrowIfNull(contributions);
        return eigenSmooth ? Projection.FirstComponent(contributions) : contributions.sum(1);
    }

    /// <inheritdoc />
    public override string ToString() => Name;
}
