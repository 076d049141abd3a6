using System;
using System.Linq;
using System.Threading;
using CamSdk.Guided;
using CamSdk.Internal;
using CamSdk.Methods;
using CamSdk.Targets;
using TorchSharp;

namespace CamSdk;

/// <summary>
/// Explains a model's decisions with a class activation map of one of its layers: Grad-CAM by default,
/// and Guided Grad-CAM.
/// </summary>
/// <remarks>
/// <para>
/// A call captures the layer's output A with a forward hook, computes ∂y/∂A with <c>torch.autograd.grad</c>
/// to that layer only (no backward pass through the layers below it, no parameter gradient accumulated),
/// one backward pass for the whole batch, and weights the channels with <see cref="Method"/>.
/// </para>
/// <para>
/// The model is left as it was found: hooks removed, training mode and every parameter's requires_grad
/// restored, on success and on every exception. Calls on one model are serialised; the explainer holds
/// no native memory and needs no disposal.
/// </para>
/// </remarks>
public sealed class CamExplainer
{
    private readonly string _layerName;

    /// <summary>Creates an explainer of <paramref name="targetLayer"/> in <paramref name="model"/>.</summary>
    /// <param name="model">The model: any module that maps an N×C×H×W batch to its output (usually N×classes logits).</param>
    /// <param name="targetLayer">
    /// The layer to explain, a submodule of <paramref name="model"/> whose output is N×K×h×w: usually the last
    /// convolutional layer or block (ResNet's <c>layer4</c>), which the paper uses.
    /// </param>
    /// <param name="options">The method (Grad-CAM by default), class labels and class-score head; none needed for a classifier.</param>
    /// <exception cref="CamLayerException"><paramref name="targetLayer"/> is not a registered submodule of <paramref name="model"/>.</exception>
    public CamExplainer(torch.nn.Module<torch.Tensor, torch.Tensor> model, torch.nn.Module<torch.Tensor, torch.Tensor> targetLayer, ExplainerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(targetLayer);
        Model = model;
        TargetLayer = targetLayer;
        Options = options ?? new ExplainerOptions();
        _layerName = ReferenceEquals(model, targetLayer)
            ? throw new CamLayerException("The target layer is the model itself. Explain one of its convolutional layers or blocks instead.")
            : model.named_modules().FirstOrDefault(m => ReferenceEquals(m.module, targetLayer)).name
              ?? throw new CamLayerException(
                  $"The target layer ({targetLayer.GetName()}) is not a submodule of the model ({model.GetName()}). Pass a layer of this model, " +
                  "and make sure the model's constructor calls RegisterComponents() so that its fields are registered as submodules.");
    }

    /// <summary>The explained model.</summary>
    public torch.nn.Module<torch.Tensor, torch.Tensor> Model { get; }

    /// <summary>The explained layer.</summary>
    public torch.nn.Module<torch.Tensor, torch.Tensor> TargetLayer { get; }

    /// <summary>The layer's name within the model, as <c>named_modules()</c> and the state dict spell it (e.g. <c>layer4</c>).</summary>
    public string TargetLayerName => _layerName;

    /// <summary>The method, class labels and class-score head in use.</summary>
    public ExplainerOptions Options { get; }

    /// <summary>How the layer's channels are weighted.</summary>
    public CamMethod Method => Options.Method;

    /// <summary>Computes the class activation maps of a batch.</summary>
    /// <param name="input">An N×C×H×W floating-point batch on the model's device, preprocessed as the model expects.</param>
    /// <param name="target">What to explain; the predicted class of each image by default.</param>
    /// <param name="cancellationToken">Cancels the call between its forward and backward passes.</param>
    /// <returns>The raw and upsampled maps, the scores and the explained classes; dispose it when done.</returns>
    /// <exception cref="CamException">The input, target, layer or model cannot be explained; the message says why and what to do.</exception>
    public CamResult Explain(torch.Tensor input, CamTarget? target = null, CancellationToken cancellationToken = default)
    {
        target ??= CamTarget.PredictedClass;
        return Explanation.Run(Model, input, cancellationToken, () =>
        {
            using var scope = torch.NewDisposeScope();
            using var capture = new LayerCapture(TargetLayer, _layerName);
            var output = Explanation.Forward(Model, input);
            var activation = capture.Require();
            var (scores, classes) = Targeting.Select(target, output, input.shape[0], Options);
            Checks.Finite(scores, "The target scores", "The model produced non-finite outputs for this input: check the input's scale and the weights.");
            cancellationToken.ThrowIfCancellationRequested();

            var gradients = Explanation.Gradient(scores, activation, $"the target layer '{_layerName}'");
            Checks.Finite(gradients, $"The gradient at '{_layerName}'", "The scores are not differentiable here in floating point: check the model and its weights.");
            using var noGrad = torch.no_grad();
            var activations = activation.detach();
            var weights = Method.ComputeChannelWeights(activations, gradients);
            if (weights.dim() != 2 || weights.shape[0] != activations.shape[0] || weights.shape[1] != activations.shape[1])
            {
                throw new CamException(
                    $"{Method.Name} returned channel weights of shape {Shapes.Format(weights.shape)}; it must return N×K = [{activations.shape[0]}, {activations.shape[1]}].");
            }

            var raw = Maps.WeightedSum(weights, activations);
            var heatmaps = Maps.UpsampleAndNormalise(raw, input.shape[2], input.shape[3]);
            return new CamResult(
                raw.MoveToOuterDisposeScope(),
                heatmaps.MoveToOuterDisposeScope(),
                scores.detach().MoveToOuterDisposeScope(),
                classes,
                Targeting.Labels(classes, Options),
                Method.Name,
                target.ToString() ?? string.Empty);
        });
    }

    /// <summary>Computes the class activation maps of the same class for every image of a batch.</summary>
    /// <param name="input">An N×C×H×W floating-point batch on the model's device.</param>
    /// <param name="classIndex">The zero-based class to explain.</param>
    /// <param name="cancellationToken">Cancels the call between its forward and backward passes.</param>
    /// <returns>The maps; dispose the result when done.</returns>
    /// <exception cref="CamTargetException"><paramref name="classIndex"/> is outside the model's classes.</exception>
    public CamResult Explain(torch.Tensor input, int classIndex, CancellationToken cancellationToken = default) =>
        Explain(input, CamTarget.Class(classIndex), cancellationToken);

    /// <summary>
    /// Computes Guided Grad-CAM: Guided Backpropagation multiplied, per channel, by the upsampled Grad-CAM heatmap
    /// (the paper's high-resolution, class-discriminative visualisation).
    /// </summary>
    /// <param name="input">An N×C×H×W floating-point batch on the model's device.</param>
    /// <param name="target">What to explain; the predicted class of each image by default.</param>
    /// <param name="cancellationToken">Cancels the call between passes.</param>
    /// <returns>The Grad-CAM maps, the guided gradients and their product; dispose the result when done.</returns>
    /// <exception cref="CamModelException">The model cannot be guided (its ReLUs are not modules run through <c>call</c>).</exception>
    public GuidedGradCamResult ExplainGuided(torch.Tensor input, CamTarget? target = null, CancellationToken cancellationToken = default)
    {
        var cam = Explain(input, target, cancellationToken);
        try
        {
            // The guided pass explains exactly the classes the maps explain (the predicted class is fixed once).
            var guidedTarget = cam.ClassIndices is { } classes ? CamTarget.Classes(classes) : target ?? CamTarget.PredictedClass;
            using var guided = new GuidedBackpropagation(Model, Options).Explain(input, guidedTarget, cancellationToken);
            using var scope = torch.NewDisposeScope();
            var gradients = guided.Gradients.detach();
            var product = gradients * cam.Heatmaps.unsqueeze(1);
            return new GuidedGradCamResult(cam, gradients.MoveToOuterDisposeScope(), product.MoveToOuterDisposeScope());
        }
        catch
        {
            cam.Dispose();
            throw;
        }
    }
}
