using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;
using CamSdk.Guided;
using CamSdk.Methods;
using CamSdk.Targets;
using TorchSharp;

namespace CamSdk;

/// <summary>
/// The <c>Explain</c> methods of every model annotated for CamSdk's generator (<see cref="IExplainableModel"/>): by class
/// index, by any target, for the predicted class, several methods at once, and Guided Grad-CAM. The generator adds the
/// overloads typed by the model's labels enum; the behaviour lives here, once.
/// </summary>
/// <remarks>
/// <c>layer</c> is a value of the model's generated <c>Layers</c> enum (the default layer when omitted); <c>method</c> any
/// member of the CAM family (Grad-CAM when omitted). The explainer of each layer is made once per model and reused, so
/// explaining the same model again does not look its layers up again.
/// </remarks>
public static class ExplainableModelExtensions
{
    private static readonly ConditionalWeakTable<object, Dictionary<int, CamExplainer>> Explainers = new();

    /// <summary>An explainer of one of the model's layers, with its labels and class-score head.</summary>
    /// <typeparam name="TModel">The annotated model's type.</typeparam>
    /// <param name="model">The model.</param>
    /// <param name="layer">The layer (a value of the model's <c>Layers</c>); the default layer when null.</param>
    /// <param name="method">The method; Grad-CAM when null.</param>
    /// <returns>The explainer.</returns>
    /// <exception cref="ArgumentException">A layer of another model, or none where the model has no default layer.</exception>
    /// <exception cref="CamLayerException">The layer's field or property is null.</exception>
    public static CamExplainer CreateExplainer<TModel>(this TModel model, Enum? layer = null, CamMethod? method = null)
        where TModel : torch.nn.Module<torch.Tensor, torch.Tensor>, IExplainableModel
    {
        ArgumentNullException.ThrowIfNull(model);
        var index = model.ExplainableFacts.LayerIndex(layer);
        var byLayer = Explainers.GetValue(model, static _ => []);
        CamExplainer? known;
        lock (byLayer)
        {
            if (!byLayer.TryGetValue(index, out known) || !ReferenceEquals(known.TargetLayer, model.GetExplainableLayer(index)))
            {
                var facts = model.ExplainableFacts;
                byLayer[index] = known = new CamExplainer(model, model.GetExplainableLayer(index), new ExplainerOptions
                {
                    ClassLabels = facts.ClassLabels,
                    ClassScores = facts.HasClassScores ? model.ClassScores : null,
                });
            }
        }

        return method is null || ReferenceEquals(method, known.Method) ? known : known.WithMethod(method);
    }

    /// <summary>The class activation maps of one class for every image of the batch.</summary>
    /// <typeparam name="TModel">The annotated model's type.</typeparam>
    /// <param name="model">The model.</param>
    /// <param name="image">An N×C×H×W batch on the model's device, preprocessed as the model expects.</param>
    /// <param name="classIndex">The zero-based class to explain.</param>
    /// <param name="layer">The layer (a value of the model's <c>Layers</c>); the default layer when null.</param>
    /// <param name="method">The method: any member of the CAM family; Grad-CAM when null.</param>
    /// <param name="cancellationToken">Cancels the call between its passes.</param>
    /// <returns>The raw and upsampled maps, scores and explained classes. Dispose it when done.</returns>
    /// <exception cref="CamTargetException"><paramref name="classIndex"/> is not a class of the model.</exception>
    public static CamResult Explain<TModel>(this TModel model, torch.Tensor image, int classIndex, Enum? layer = null, CamMethod? method = null, CancellationToken cancellationToken = default)
        where TModel : torch.nn.Module<torch.Tensor, torch.Tensor>, IExplainableModel =>
        model.CreateExplainer(layer, method).Explain(image, ClassOf(model, classIndex), cancellationToken);

    /// <summary>The class activation maps of any target: a class per image, the predicted class, or a differentiable score.</summary>
    /// <typeparam name="TModel">The annotated model's type.</typeparam>
    /// <param name="model">The model.</param>
    /// <param name="image">An N×C×H×W batch on the model's device, preprocessed as the model expects.</param>
    /// <param name="target">What to explain.</param>
    /// <param name="layer">The layer (a value of the model's <c>Layers</c>); the default layer when null.</param>
    /// <param name="method">The method: any member of the CAM family; Grad-CAM when null.</param>
    /// <param name="cancellationToken">Cancels the call between its passes.</param>
    /// <returns>The raw and upsampled maps, scores and explained classes. Dispose it when done.</returns>
    public static CamResult Explain<TModel>(this TModel model, torch.Tensor image, CamTarget target, Enum? layer = null, CamMethod? method = null, CancellationToken cancellationToken = default)
        where TModel : torch.nn.Module<torch.Tensor, torch.Tensor>, IExplainableModel =>
        model.CreateExplainer(layer, method).Explain(image, target ?? throw new ArgumentNullException(nameof(target)), cancellationToken);

    /// <summary>The class activation maps of the class the model predicts (scores highest) for each image.</summary>
    /// <typeparam name="TModel">The annotated model's type.</typeparam>
    /// <param name="model">The model.</param>
    /// <param name="image">An N×C×H×W batch on the model's device, preprocessed as the model expects.</param>
    /// <param name="layer">The layer (a value of the model's <c>Layers</c>); the default layer when null.</param>
    /// <param name="method">The method: any member of the CAM family; Grad-CAM when null.</param>
    /// <param name="cancellationToken">Cancels the call between its passes.</param>
    /// <returns>The raw and upsampled maps, scores and explained classes. Dispose it when done.</returns>
    public static CamResult ExplainPredicted<TModel>(this TModel model, torch.Tensor image, Enum? layer = null, CamMethod? method = null, CancellationToken cancellationToken = default)
        where TModel : torch.nn.Module<torch.Tensor, torch.Tensor>, IExplainableModel =>
        model.CreateExplainer(layer, method).Explain(image, CamTarget.PredictedClass, cancellationToken);

    /// <summary>The maps of several methods of the CAM family from one forward pass and at most one backward pass.</summary>
    /// <typeparam name="TModel">The annotated model's type.</typeparam>
    /// <param name="model">The model.</param>
    /// <param name="image">An N×C×H×W batch on the model's device, preprocessed as the model expects.</param>
    /// <param name="methods">The methods, each named differently (e.g. Grad-CAM, Grad-CAM++ and Score-CAM).</param>
    /// <param name="target">What to explain; the predicted class of each image when null.</param>
    /// <param name="layer">The layer (a value of the model's <c>Layers</c>); the default layer when null.</param>
    /// <param name="cancellationToken">Cancels the call between its passes.</param>
    /// <returns>One result per method, in the order given. Dispose it when done.</returns>
    public static CamResultSet Explain<TModel>(this TModel model, torch.Tensor image, IEnumerable<CamMethod> methods, CamTarget? target = null, Enum? layer = null, CancellationToken cancellationToken = default)
        where TModel : torch.nn.Module<torch.Tensor, torch.Tensor>, IExplainableModel =>
        model.CreateExplainer(layer).Explain(image, methods, target, cancellationToken);

    /// <summary>Guided Grad-CAM (Guided Backpropagation × the method's map) of one class for every image of the batch.</summary>
    /// <typeparam name="TModel">The annotated model's type.</typeparam>
    /// <param name="model">The model.</param>
    /// <param name="image">An N×C×H×W batch on the model's device, preprocessed as the model expects.</param>
    /// <param name="classIndex">The zero-based class to explain.</param>
    /// <param name="layer">The layer (a value of the model's <c>Layers</c>); the default layer when null.</param>
    /// <param name="method">The method: any member of the CAM family; Grad-CAM when null.</param>
    /// <param name="cancellationToken">Cancels the call between its passes.</param>
    /// <returns>The maps, the Guided Backpropagation gradients and their product. Dispose it when done.</returns>
    /// <exception cref="CamTargetException"><paramref name="classIndex"/> is not a class of the model.</exception>
    public static GuidedGradCamResult ExplainGuided<TModel>(this TModel model, torch.Tensor image, int classIndex, Enum? layer = null, CamMethod? method = null, CancellationToken cancellationToken = default)
        where TModel : torch.nn.Module<torch.Tensor, torch.Tensor>, IExplainableModel =>
        model.CreateExplainer(layer, method).ExplainGuided(image, ClassOf(model, classIndex), cancellationToken);

    /// <summary>Guided Grad-CAM of any target: a class per image, the predicted class, or a differentiable score.</summary>
    /// <typeparam name="TModel">The annotated model's type.</typeparam>
    /// <param name="model">The model.</param>
    /// <param name="image">An N×C×H×W batch on the model's device, preprocessed as the model expects.</param>
    /// <param name="target">What to explain.</param>
    /// <param name="layer">The layer (a value of the model's <c>Layers</c>); the default layer when null.</param>
    /// <param name="method">The method: any member of the CAM family; Grad-CAM when null.</param>
    /// <param name="cancellationToken">Cancels the call between its passes.</param>
    /// <returns>The maps, the Guided Backpropagation gradients and their product. Dispose it when done.</returns>
    public static GuidedGradCamResult ExplainGuided<TModel>(this TModel model, torch.Tensor image, CamTarget target, Enum? layer = null, CamMethod? method = null, CancellationToken cancellationToken = default)
        where TModel : torch.nn.Module<torch.Tensor, torch.Tensor>, IExplainableModel =>
        model.CreateExplainer(layer, method).ExplainGuided(image, target ?? throw new ArgumentNullException(nameof(target)), cancellationToken);

    /// <summary>Guided Grad-CAM of the class the model predicts for each image.</summary>
    /// <typeparam name="TModel">The annotated model's type.</typeparam>
    /// <param name="model">The model.</param>
    /// <param name="image">An N×C×H×W batch on the model's device, preprocessed as the model expects.</param>
    /// <param name="layer">The layer (a value of the model's <c>Layers</c>); the default layer when null.</param>
    /// <param name="method">The method: any member of the CAM family; Grad-CAM when null.</param>
    /// <param name="cancellationToken">Cancels the call between its passes.</param>
    /// <returns>The maps, the Guided Backpropagation gradients and their product. Dispose it when done.</returns>
    public static GuidedGradCamResult ExplainGuidedPredicted<TModel>(this TModel model, torch.Tensor image, Enum? layer = null, CamMethod? method = null, CancellationToken cancellationToken = default)
        where TModel : torch.nn.Module<torch.Tensor, torch.Tensor>, IExplainableModel =>
        model.CreateExplainer(layer, method).ExplainGuided(image, CamTarget.PredictedClass, cancellationToken);

    /// <summary>A class target, checked against the class count the model declares (the message names the model).</summary>
    private static CamTarget ClassOf(IExplainableModel model, int classIndex)
    {
        var facts = model.ExplainableFacts;
        if (facts.ClassCount is { } count && (uint)classIndex >= (uint)count)
        {
            throw new CamTargetException($"Class index {classIndex} is out of range: {facts.ModelName} has {count} classes, so valid indices are 0 to {count - 1}.");
        }

        return CamTarget.Class(classIndex);
    }
}
