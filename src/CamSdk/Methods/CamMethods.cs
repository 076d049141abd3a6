using System;
using System.Collections.Generic;
using System.Linq;

namespace CamSdk.Methods;

/// <summary>
/// The catalogue of the CAM family: one instance of each method that needs nothing but the capture, by its key
/// (<see cref="CamMethod.Key"/>, pytorch-grad-cam's command-line name). CAM needs the model's class head:
/// <c>new Cam(classifier)</c>. A new method is one file in <c>Methods/</c> and one line in <see cref="All"/>.
/// </summary>
public static class CamMethods
{
    /// <summary>Grad-CAM (Selvaraju et al., ICCV 2017): channel weights are the spatial mean of ∂y^c/∂A^k.</summary>
    public static GradCam GradCam { get; } = new();

    /// <summary>Grad-CAM++ (Chattopadhyay et al., WACV 2018).</summary>
    public static GradCamPlusPlus GradCamPlusPlus { get; } = new();

    /// <summary>XGrad-CAM (Fu et al., BMVC 2020).</summary>
    public static XGradCam XGradCam { get; } = new();

    /// <summary>HiResCAM (Draelos and Carin, 2020): the element-wise product of gradients and activations, summed over channels.</summary>
    public static HiResCam HiResCam { get; } = new();

    /// <summary>Grad-CAM element-wise: like HiResCAM, with a ReLU on each element-wise product before the sum.</summary>
    public static GradCamElementWise GradCamElementWise { get; } = new();

    /// <summary>LayerCAM (Jiang et al., TIP 2021): positive gradients times activations, element-wise; useful on early layers.</summary>
    public static LayerCam LayerCam { get; } = new();

    /// <summary>Eigen-CAM (Muhammad and Yeasin, 2020): the first principal component of the activations; class-agnostic, no gradient.</summary>
    public static EigenCam EigenCam { get; } = new();

    /// <summary>EigenGrad-CAM: the first principal component of gradients × activations.</summary>
    public static EigenGradCam EigenGradCam { get; } = new();

    /// <summary>Score-CAM (Wang et al., CVPRW 2020) as pytorch-grad-cam computes it; <c>new ScoreCam { … }</c> for options.</summary>
    public static ScoreCam ScoreCam { get; } = new();

    /// <summary>Ablation-CAM (Desai and Ramaswamy, WACV 2020); <c>new AblationCam { … }</c> for options.</summary>
    public static AblationCam AblationCam { get; } = new();

    /// <summary>Every method above, in pytorch-grad-cam's order.</summary>
    public static IReadOnlyList<CamMethod> All { get; } =
        [GradCam, GradCamPlusPlus, XGradCam, HiResCam, GradCamElementWise, LayerCam, EigenCam, EigenGradCam, ScoreCam, AblationCam];

    /// <summary>The methods of <see cref="All"/> by key, case-insensitively (<c>gradcam</c>, <c>gradcam++</c>, …).</summary>
    public static IReadOnlyDictionary<string, CamMethod> ByKey { get; } = All.ToDictionary(m => m.Key, StringComparer.OrdinalIgnoreCase);
}
