using System.Threading;
using CamSdk.Internal;
using CamSdk.Targets;
using TorchSharp;

namespace CamSdk.Guided;

/// <summary>
/// Guided Backpropagation (Springenberg et al., 2015): the gradient of the target score with respect to the
/// input image, where every ReLU lets only positive gradients through, and only where its input was positive.
/// </summary>
/// <remarks>
/// For the duration of a call, the output of each of the model's ReLU modules is replaced, through a forward
/// hook, by a guided ReLU; the model's modules are never replaced. In-place ReLUs work. A ReLU applied
/// functionally in <c>forward</c> cannot be reached by hooks: a model in which no ReLU module runs is refused
/// with a <see cref="CamModelException"/> rather than answered with gradients that are not guided, and so is a
/// model that applies ReLUs functionally beside its ReLU modules (noticed from the inputs of its other modules),
/// unless <see cref="ExplainerOptions.AllowPartialGuidance"/> accepts the partly guided result, which is what
/// pytorch-grad-cam returns for such a model.
/// A model whose ReLUs are functional is guided through a twin when a provider has one (<see cref="GuidableTwins"/>):
/// CamSdk.Models makes the twins of TorchSharp's TorchVision ResNets, whose blocks end with a functional <c>relu_()</c>;
/// a twin has the same state-dict keys and shares the model's parameter and buffer storage (nothing is copied).
/// </remarks>
public sealed class GuidedBackpropagation
{
    /// <summary>Guided Backpropagation's key in results, <c>metrics.json</c>, reports and the command line.</summary>
    public const string Key = "guided-backprop";

    /// <summary>Guided Backpropagation's name in reports.</summary>
    public const string Name = "Guided Backprop";

    /// <summary>Guided Grad-CAM's key in results, <c>metrics.json</c>, reports and the command line.</summary>
    public const string GuidedGradCamKey = "guided-gradcam";

    /// <summary>Guided Grad-CAM's name in reports.</summary>
    public const string GuidedGradCamName = "Guided Grad-CAM";

    /// <summary>
    /// Guided Grad-CAM, the Grad-CAM paper's product: the guided gradients (N×C×H×W) times the upsampled heatmaps (N×H×W),
    /// per channel. Every Guided Grad-CAM CamSdk computes is this one product.
    /// </summary>
    /// <param name="guidedGradients">Guided Backpropagation's gradients, N×C×H×W.</param>
    /// <param name="heatmaps">The CAM heatmaps at the input's size, N×H×W.</param>
    /// <returns>N×C×H×W.</returns>
    public static torch.Tensor Combine(torch.Tensor guidedGradients, torch.Tensor heatmaps)
    {
        System.ArgumentNullException.ThrowIfNull(guidedGradients);
        System.ArgumentNullException.ThrowIfNull(heatmaps);
        return guidedGradients * heatmaps.unsqueeze(1);
    }

    /// <summary>Creates a Guided Backpropagation explainer for <paramref name="model"/>.</summary>
    /// <param name="model">A model whose ReLUs are <c>TorchSharp.Modules.ReLU</c> modules applied through <c>call</c>.</param>
    /// <param name="options">Class labels and class-score head, if the model needs them; the method is not used.</param>
    public GuidedBackpropagation(torch.nn.Module<torch.Tensor, torch.Tensor> model, ExplainerOptions? options = null)
    {
        System.ArgumentNullException.ThrowIfNull(model);
        Model = model;
        Options = options ?? new ExplainerOptions();
    }

    /// <summary>The class labels and class-score head in use.</summary>
    public ExplainerOptions Options { get; }

    /// <summary>The explained model.</summary>
    public torch.nn.Module<torch.Tensor, torch.Tensor> Model { get; }

    /// <summary>Computes the guided gradient of each image's target score with respect to the image.</summary>
    /// <param name="input">An N×C×H×W floating-point batch on the model's device; it is not modified.</param>
    /// <param name="target">What to explain; the predicted class of each image by default.</param>
    /// <param name="cancellationToken">Cancels the call between its forward and backward passes.</param>
    /// <returns>The N×C×H×W gradients, the scores and the explained classes; dispose the result when done.</returns>
    /// <exception cref="CamModelException">The model cannot be guided.</exception>
    /// <exception cref="CamException">The input or target cannot be explained; the message says why and what to do.</exception>
    public GuidedBackpropagationResult Explain(torch.Tensor input, CamTarget? target = null, CancellationToken cancellationToken = default)
    {
        target ??= CamTarget.PredictedClass;
        return Explanation.Run(Model, input, cancellationToken, () =>
        {
            using var scope = torch.NewDisposeScope();
            // A model that applies ReLUs functionally (TorchVision's ResNet) is guided through its twin, which shares its weights.
            var model = GuidableTwins.For(Model) ?? Model;
            using var guide = ReluGuide.Attach(model, Options.AllowPartialGuidance, Options.GuideRelu6);
            var pass = Explanation.Capture(model, input, target, Options, guide, cancellationToken);
            return new GuidedBackpropagationResult(
                pass.Gradients![0].MoveToOuterDisposeScope(),
                pass.Scores.MoveToOuterDisposeScope(),
                pass.Output.MoveToOuterDisposeScope(),
                pass.Classes,
                Options.ClassLabels,
                target.UsesClassScores,
                target.ToString() ?? string.Empty);
        });
    }
}
