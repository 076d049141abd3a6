using System;
using System.Collections.Generic;
using CamSdk.Methods;
using TorchSharp;

namespace CamSdk;

/// <summary>Settings of <see cref="CamExplainer"/> and <see cref="Guided.GuidedBackpropagation"/>.</summary>
public sealed class ExplainerOptions
{
    /// <summary>
    /// The method of <see cref="CamExplainer.Explain(torch.Tensor, Targets.CamTarget?, System.Threading.CancellationToken)"/>;
    /// <see cref="CamMethods.GradCam"/> by default. Guided Backpropagation ignores it.
    /// </summary>
    public CamMethod Method { get; init; } = CamMethods.GradCam;

    /// <summary>
    /// The name of each class, indexed by class; results then name the explained classes. Its length must equal
    /// the number of class scores the model returns.
    /// </summary>
    public IReadOnlyList<string>? ClassLabels { get; init; }

    /// <summary>
    /// Maps the model's output to its N×C class scores, for models whose output is not just the logits
    /// (e.g. one head of a multi-output model). Class targets select from its result; score targets
    /// (<see cref="Targets.CamTarget.Score"/>) still receive the model's whole output.
    /// </summary>
    public Func<torch.Tensor, torch.Tensor>? ClassScores { get; init; }

    /// <summary>
    /// pytorch-grad-cam's <c>eigen_smooth</c>: each method's per-channel contributions (w_k·A^k, or the element-wise
    /// products) are replaced by their first principal component instead of being summed. Less noise, and the map may
    /// lose class discrimination. Eigen-CAM and EigenGrad-CAM are projections already.
    /// </summary>
    public bool EigenSmooth { get; init; }

    /// <summary>
    /// pytorch-grad-cam's <c>aug_smooth</c>: the maps are the mean of the maps of six augmented inputs (no flip and a
    /// horizontal flip, each multiplied by 0.9, 1.0 and 1.1), each map flipped back. Six times the work; with the
    /// predicted-class target each augmented input explains its own prediction, as pytorch-grad-cam does.
    /// </summary>
    public bool AugmentationSmooth { get; init; }

    /// <summary>
    /// Turns the explained layers' outputs into N×K×h×w maps when they are not (a vision transformer's tokens, a Swin
    /// block's channels-last map); null for convolutional layers. When null and the layers are explainable layers of an
    /// annotated model that states a reshape for them (<see cref="IExplainableModel.GetExplainableLayerReshape"/>, as the
    /// zoo's ViT and Swin do), the explainer applies that one.
    /// </summary>
    public ActivationReshape? Reshape { get; init; }

    /// <summary>Receives the progress of methods with many extra forward passes (Score-CAM, Ablation-CAM).</summary>
    public IProgress<CamProgress>? Progress { get; init; }

    /// <summary>
    /// Guided Backpropagation only: accept a model that applies ReLUs functionally (<c>x.relu()</c>,
    /// <c>functional.relu</c>, a clamp at 0) beside its ReLU modules. No hook reaches a functional ReLU, so its gradient
    /// is not guided: the result is partly guided, as pytorch-grad-cam's would be. By default such a model is refused
    /// with a <see cref="CamModelException"/> naming the modules whose input looks like a functional ReLU's output
    /// (non-negative with exact zeros, not the output of any module, and with zeros that pass no gradient back, as only a
    /// ReLU's zeros do: pooled, flattened or padded ReLU outputs are not mistaken for one).
    /// </summary>
    public bool AllowPartialGuidance { get; init; }

    /// <summary>
    /// Guided Backpropagation only: apply the guided rule to ReLU6 modules too (MobileNet v2). Its reading is the
    /// ReLU's: the gradient arriving at a ReLU6 is clamped at 0 and passed where the ReLU6 passes gradients (0 &lt; x &lt; 6),
    /// ∂/∂x = [0 &lt; x &lt; 6]·[g &gt; 0]·g. The Guided Backpropagation paper defines the rule for ReLUs only, so by default a
    /// model with ReLU6 (or Hardswish, SiLU, GELU, leaky or exponential units) is refused with a
    /// <see cref="CamModelException"/>; pytorch-grad-cam would pass plain gradients through them, silently.
    /// </summary>
    public bool GuideRelu6 { get; init; }

    /// <summary>These options with a reshape.</summary>
    internal ExplainerOptions WithReshape(ActivationReshape reshape) => Copy(Method, reshape);

    /// <summary>These options with another method.</summary>
    internal ExplainerOptions WithMethod(CamMethod method) => Copy(method, Reshape);

    private ExplainerOptions Copy(CamMethod method, ActivationReshape? reshape) => new()
    {
        Method = method,
        ClassLabels = ClassLabels,
        ClassScores = ClassScores,
        EigenSmooth = EigenSmooth,
        AugmentationSmooth = AugmentationSmooth,
        Reshape = reshape,
        Progress = Progress,
        AllowPartialGuidance = AllowPartialGuidance,
        GuideRelu6 = GuideRelu6,
    };
}
