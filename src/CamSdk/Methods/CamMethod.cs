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
    /// <summary>Grad-CAM (Selvaraju et al., ICCV 2017): channel weights are the spatial mean of ∂y^c/∂A^k.</summary>
    public static CamMethod GradCam { get; } = new GradCam();

    /// <summary>Grad-CAM++ (Chattopadhyay et al., WACV 2018).</summary>
    public static CamMethod GradCamPlusPlus { get; } = new GradCamPlusPlus();

    /// <summary>XGrad-CAM (Fu et al., BMVC 2020).</summary>
    public static CamMethod XGradCam { get; } = new XGradCam();

    /// <summary>HiResCAM (Draelos and Carin, 2020): the element-wise product of gradients and activations, summed over channels.</summary>
    public static CamMethod HiResCam { get; } = new HiResCam();

    /// <summary>Grad-CAM element-wise: like HiResCAM, with a ReLU on each element-wise product before the sum.</summary>
    public static CamMethod GradCamElementWise { get; } = new GradCamElementWise();

    /// <summary>LayerCAM (Jiang et al., TIP 2021): positive gradients times activations, element-wise; useful on early layers.</summary>
    public static CamMethod LayerCam { get; } = new LayerCam();

    /// <summary>Eigen-CAM (Muhammad and Yeasin, 2020): the first principal component of the activations; class-agnostic, no gradient.</summary>
    public static CamMethod EigenCam { get; } = new EigenCam();

    /// <summary>EigenGrad-CAM: the first principal component of gradients × activations.</summary>
    public static CamMethod EigenGradCam { get; } = new EigenGradCam();

    /// <summary>Score-CAM (Wang et al., CVPRW 2020) as pytorch-grad-cam computes it; see <see cref="Methods.ScoreCam"/> for options.</summary>
    public static CamMethod ScoreCam { get; } = new ScoreCam();

    /// <summary>Ablation-CAM (Desai and Ramaswamy, WACV 2020); see <see cref="Methods.AblationCam"/> for options.</summary>
    public static CamMethod AblationCam { get; } = new AblationCam();

    /// <summary>
    /// The methods that need nothing but the capture, by pytorch-grad-cam's command-line names (<c>gradcam</c>,
    /// <c>gradcam++</c>, <c>xgradcam</c>, <c>hirescam</c>, <c>gradcamelementwise</c>, <c>layercam</c>, <c>eigencam</c>,
    /// <c>eigengradcam</c>, <c>scorecam</c>, <c>ablationcam</c>). CAM needs the class head: <see cref="Cam(torch.nn.Module{torch.Tensor, torch.Tensor})"/>.
    /// </summary>
    public static IReadOnlyDictionary<string, CamMethod> ByName { get; } = new Dictionary<string, CamMethod>(StringComparer.OrdinalIgnoreCase)
    {
        ["gradcam"] = GradCam,
        ["gradcam++"] = GradCamPlusPlus,
        ["xgradcam"] = XGradCam,
        ["hirescam"] = HiResCam,
        ["gradcamelementwise"] = GradCamElementWise,
        ["layercam"] = LayerCam,
        ["eigencam"] = EigenCam,
        ["eigengradcam"] = EigenGradCam,
        ["scorecam"] = ScoreCam,
        ["ablationcam"] = AblationCam,
    };

    /// <summary>The method's name, as pytorch-grad-cam names its class (e.g. <c>GradCAM</c>, <c>ScoreCAM</c>).</summary>
    public abstract string Name { get; }

    /// <summary>Whether the method reads <see cref="CamCapture.Gradients"/>; a call whose methods all say no runs no backward pass.</summary>
    public virtual bool UsesGradients => true;

    /// <summary>
    /// CAM (Zhou et al., CVPR 2016), for networks whose explained layer is followed by global average pooling and
    /// a linear class head: the channel weights of class c are the head's weights w^c.
    /// </summary>
    /// <param name="classifier">The linear class head (a <c>TorchSharp.Modules.Linear</c>) applied to the pooled layer.</param>
    /// <returns>The method.</returns>
    public static CamMethod Cam(torch.nn.Module<torch.Tensor, torch.Tensor> classifier) => new global::CamSdk.Methods.Cam(classifier);

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
