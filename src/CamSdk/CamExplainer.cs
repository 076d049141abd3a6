using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using CamSdk.Guided;
using CamSdk.Internal;
using CamSdk.Methods;
using CamSdk.Targets;
using TorchSharp;

namespace CamSdk;

/// <summary>
/// Explains a model's decisions with class activation maps of one or more of its layers: Grad-CAM by default, any
/// method of the CAM family, several methods from one pass, and Guided Grad-CAM.
/// </summary>
/// <remarks>
/// <para>
/// A call runs the model once, capturing the layers' outputs with forward hooks, and, only when a requested method
/// <see cref="CamMethod.UsesGradients"/>, computes ∂y/∂A with <c>torch.autograd.grad</c> to those layers only: one
/// backward pass for the whole batch and every method, none through the layers below them, no parameter gradient
/// accumulated. The layers below the explained ones run without an autograd graph. Each method then turns the capture
/// into maps, which are scaled, upsampled and combined exactly as pytorch-grad-cam does.
/// </para>
/// <para>
/// The model is left as it was found: hooks removed, training mode and every parameter's requires_grad restored, on
/// success and on every exception. Explaining calls on one model are serialised; the explainer holds no native memory
/// and needs no disposal.
/// </para>
/// <para>
/// What other threads running the same model meanwhile (a server predicting while it explains) can observe, exactly:
/// nothing of the hooks, which act only for the explaining thread (their table is swapped whole, never changed in place);
/// nothing of the guided ReLUs, for the same reason; no parameter gradient, since none is accumulated. Two things are
/// visible: the evaluation mode a call sets for its duration (as pytorch-grad-cam does), to a thread that trains the model
/// at that moment; and, only on machines where libtorch's oneDNN convolution gradients are wrong
/// (<see cref="NativeBackend.OneDnnGradientsAreWrong"/>), oneDNN switched off process-wide during each gradient pass: other
/// threads' results are unchanged, their convolutions run slower meanwhile.
/// </para>
/// </remarks>
public sealed class CamExplainer
{
    private static readonly (bool Flip, double Factor)[] Augmentations =
        [(false, 0.9), (false, 1.0), (false, 1.1), (true, 0.9), (true, 1.0), (true, 1.1)];

    private readonly string[] _layerNames;
    private readonly torch.nn.Module<torch.Tensor, torch.Tensor>[] _layers;

    /// <summary>Creates an explainer of <paramref name="targetLayer"/> in <paramref name="model"/>.</summary>
    /// <param name="model">The model: any module that maps an N×C×H×W batch to its output (usually N×classes logits).</param>
    /// <param name="targetLayer">
    /// The layer to explain, a submodule of <paramref name="model"/> whose output is N×K×h×w (or that
    /// <see cref="ExplainerOptions.Reshape"/> makes so): usually the last convolutional layer or block (ResNet's
    /// <c>layer4</c>), which the paper uses.
    /// </param>
    /// <param name="options">The method (Grad-CAM by default), class labels, class-score head and smoothing; none needed for a classifier.</param>
    /// <exception cref="CamLayerException"><paramref name="targetLayer"/> is not a registered submodule of <paramref name="model"/>.</exception>
    public CamExplainer(torch.nn.Module<torch.Tensor, torch.Tensor> model, torch.nn.Module<torch.Tensor, torch.Tensor> targetLayer, ExplainerOptions? options = null)
        : this(model, [targetLayer ?? throw new ArgumentNullException(nameof(targetLayer))], options)
    {
    }

    /// <summary>
    /// Creates an explainer of several layers of <paramref name="model"/>, whose maps are combined as pytorch-grad-cam
    /// combines them: each layer's map scaled to [0, 1] and upsampled, clipped at 0, averaged, scaled again.
    /// </summary>
    /// <param name="model">The model.</param>
    /// <param name="targetLayers">The layers to explain, at least one, each a submodule of <paramref name="model"/>.</param>
    /// <param name="options">The method, class labels, class-score head and smoothing.</param>
    /// <exception cref="CamLayerException">A layer is not a registered submodule of <paramref name="model"/>, or is given twice.</exception>
    public CamExplainer(torch.nn.Module<torch.Tensor, torch.Tensor> model, IReadOnlyList<torch.nn.Module<torch.Tensor, torch.Tensor>> targetLayers, ExplainerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(targetLayers);
        if (targetLayers.Count == 0)
        {
            throw new CamLayerException("No target layer was given. Pass at least one layer of the model, usually its last convolutional block.");
        }

        Model = model;
        Options = options ?? new ExplainerOptions();
        _layers = [.. targetLayers];
        var named = model.named_modules().ToList();
        _layerNames = [.. _layers.Select(layer => NameOf(model, named, layer))];
        var repeated = _layerNames.GroupBy(n => n).FirstOrDefault(g => g.Count() > 1);
        if (repeated is not null)
        {
            throw new CamLayerException($"The layer '{repeated.Key}' is given more than once. Give each layer once.");
        }

        if (Options.Reshape is null && StatedReshape(model, _layers) is { } stated)
        {
            Options = Options.WithReshape(stated);
        }
    }

    /// <summary>The reshape an annotated model states for all of these layers, when each is one of its explainable layers and they agree.</summary>
    private static ActivationReshape? StatedReshape(torch.nn.Module model, IReadOnlyList<torch.nn.Module> layers)
    {
        if (model is not IExplainableModel explainable)
        {
            return null;
        }

        var reshapes = new List<ActivationReshape?>();
        foreach (var layer in layers)
        {
            var index = Enumerable.Range(0, explainable.ExplainableFacts.LayerNames.Count).FirstOrDefault(i => IsLayer(explainable, i, layer), -1);
            if (index < 0)
            {
                return null;
            }

            reshapes.Add(explainable.GetExplainableLayerReshape(index));
        }

        return reshapes.Distinct().Count() == 1 ? reshapes[0] : null;
    }

    private static bool IsLayer(IExplainableModel model, int index, torch.nn.Module layer)
    {
        try
        {
            return ReferenceEquals(model.GetExplainableLayer(index), layer);
        }
        catch (CamLayerException)
        {
            return false; // a layer field that is null now
        }
    }

    /// <summary>An explainer of the same layers, found already, with other options.</summary>
    private CamExplainer(CamExplainer layersOf, ExplainerOptions options)
    {
        Model = layersOf.Model;
        Options = options;
        _layers = layersOf._layers;
        _layerNames = layersOf._layerNames;
    }

    /// <summary>The explained model.</summary>
    public torch.nn.Module<torch.Tensor, torch.Tensor> Model { get; }

    /// <summary>The explained layer (the first, when there are several).</summary>
    public torch.nn.Module<torch.Tensor, torch.Tensor> TargetLayer => _layers[0];

    /// <summary>The explained layers, in the order given.</summary>
    public IReadOnlyList<torch.nn.Module<torch.Tensor, torch.Tensor>> TargetLayers => _layers;

    /// <summary>The layer's name within the model, as <c>named_modules()</c> and the state dict spell it (e.g. <c>layer4</c>); the first, when there are several.</summary>
    public string TargetLayerName => _layerNames[0];

    /// <summary>The names of the explained layers, in the order given.</summary>
    public IReadOnlyList<string> TargetLayerNames => _layerNames;

    /// <summary>The method, class labels, class-score head and smoothing in use.</summary>
    public ExplainerOptions Options { get; }

    /// <summary>The method of <see cref="Explain(torch.Tensor, CamTarget?, CancellationToken)"/>.</summary>
    public CamMethod Method => Options.Method;

    /// <summary>This explainer with another method: the same layers (not looked up again) and options.</summary>
    /// <param name="method">The method.</param>
    /// <returns>The explainer.</returns>
    public CamExplainer WithMethod(CamMethod method)
    {
        ArgumentNullException.ThrowIfNull(method);
        return new CamExplainer(this, Options.WithMethod(method));
    }

    /// <summary>Computes the class activation maps of a batch with <see cref="Method"/>.</summary>
    /// <param name="input">An N×C×H×W floating-point batch on the model's device, preprocessed as the model expects.</param>
    /// <param name="target">What to explain; the predicted class of each image by default.</param>
    /// <param name="cancellationToken">Cancels the call between its passes.</param>
    /// <returns>The raw and upsampled maps, the scores and the explained classes; dispose it when done.</returns>
    /// <exception cref="CamException">The input, target, layer or model cannot be explained; the message says why and what to do.</exception>
    public CamResult Explain(torch.Tensor input, CamTarget? target = null, CancellationToken cancellationToken = default)
    {
        var results = Explain(input, [Method], target, cancellationToken);
        return results[0];
    }

    /// <summary>Computes the class activation maps of the same class for every image of a batch with <see cref="Method"/>.</summary>
    /// <param name="input">An N×C×H×W floating-point batch on the model's device.</param>
    /// <param name="classIndex">The zero-based class to explain.</param>
    /// <param name="cancellationToken">Cancels the call between its passes.</param>
    /// <returns>The maps; dispose the result when done.</returns>
    /// <exception cref="CamTargetException"><paramref name="classIndex"/> is outside the model's classes.</exception>
    public CamResult Explain(torch.Tensor input, int classIndex, CancellationToken cancellationToken = default) =>
        Explain(input, CamTarget.Class(classIndex), cancellationToken);

    /// <summary>
    /// Computes the maps of several methods from one forward pass and at most one backward pass (none when no method
    /// uses gradients); methods with extra forward passes (Score-CAM, Ablation-CAM) add only those.
    /// </summary>
    /// <param name="input">An N×C×H×W floating-point batch on the model's device.</param>
    /// <param name="methods">The methods, at least one, each named differently.</param>
    /// <param name="target">What to explain; the predicted class of each image by default.</param>
    /// <param name="cancellationToken">Cancels the call between its passes and between the batches of perturbation methods.</param>
    /// <returns>One result per method, in the order given; dispose it when done.</returns>
    /// <exception cref="CamException">The input, target, layer or model cannot be explained; the message says why and what to do.</exception>
    public CamResultSet Explain(torch.Tensor input, IEnumerable<CamMethod> methods, CamTarget? target = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(methods);
        CamMethod[] list = [.. methods];
        if (list.Length == 0 || list.Any(m => m is null))
        {
            throw new ArgumentException("Give at least one method, and no null.", nameof(methods));
        }

        var twice = list.GroupBy(m => m.Key, StringComparer.OrdinalIgnoreCase).Concat(list.GroupBy(m => m.Name, StringComparer.OrdinalIgnoreCase))
            .FirstOrDefault(g => g.Count() > 1);
        if (twice is not null)
        {
            throw new ArgumentException(
                $"Two methods have the key or name '{twice.Key}': {string.Join(" and ", twice.Select(m => $"{m.Key} ({m.Name})"))}. Results are told apart by key and by name, so explain them in separate calls.", nameof(methods));
        }

        target ??= CamTarget.PredictedClass;
        return Explanation.Run(Model, input, cancellationToken, () => new CamResultSet(
            Options.AugmentationSmooth ? ExplainAugmented(input, list, target, cancellationToken) : ExplainOnce(input, list, target, cancellationToken)));
    }

    /// <summary>
    /// Computes Guided Grad-CAM: Guided Backpropagation multiplied, per channel, by the upsampled Grad-CAM heatmap
    /// (the paper's high-resolution, class-discriminative visualisation).
    /// </summary>
    /// <param name="input">An N×C×H×W floating-point batch on the model's device.</param>
    /// <param name="target">What to explain; the predicted class of each image by default.</param>
    /// <param name="cancellationToken">Cancels the call between passes.</param>
    /// <returns>The maps of <see cref="Method"/>, the guided gradients and their product; dispose the result when done.</returns>
    /// <exception cref="CamModelException">The model cannot be guided (its ReLUs are not modules run through <c>call</c>).</exception>
    public GuidedGradCamResult ExplainGuided(torch.Tensor input, CamTarget? target = null, CancellationToken cancellationToken = default)
    {
        var cam = Explain(input, target, cancellationToken);
        try
        {
            // The guided pass explains exactly what the maps explain (the predicted class is fixed once).
            var guidedTarget = (target ?? CamTarget.PredictedClass).Fixed(cam.ClassIndices is { } classes ? [.. classes] : null);
            using var guided = new GuidedBackpropagation(Model, Options).Explain(input, guidedTarget, cancellationToken);
            using var scope = torch.NewDisposeScope();
            var gradients = guided.Gradients.detach();
            var product = GuidedBackpropagation.Combine(gradients, cam.Heatmaps);
            return new GuidedGradCamResult(cam, gradients.MoveToOuterDisposeScope(), product.MoveToOuterDisposeScope());
        }
        catch
        {
            cam.Dispose();
            throw;
        }
    }

    private static string NameOf(torch.nn.Module model, List<(string name, torch.nn.Module module)> named, torch.nn.Module<torch.Tensor, torch.Tensor> layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        if (ReferenceEquals(model, layer))
        {
            throw new CamLayerException("The target layer is the model itself. Explain one of its convolutional layers or blocks instead.");
        }

        return named.FirstOrDefault(m => ReferenceEquals(m.module, layer)).name
            ?? throw new CamLayerException(
                $"The target layer ({layer.GetName()}) is not a submodule of the model ({model.GetName()}). Pass a layer of this model, " +
                "and make sure the model's constructor calls RegisterComponents() so that its fields are registered as submodules.");
    }

    private CamResult[] ExplainAugmented(torch.Tensor input, CamMethod[] methods, CamTarget target, CancellationToken cancellationToken)
    {
        // Everything made here is temporary but the averaged results, which leave this scope.
        using var scope = torch.NewDisposeScope();
        CamResult[]? plain = null;
        var sums = new torch.Tensor?[methods.Length];
        foreach (var (flip, factor) in Augmentations)
        {
            var augmented = flip ? input.flip(3) : input;
            var results = ExplainOnce(factor == 1.0 ? augmented : augmented.mul(Scalars.Of(factor)), methods, target, cancellationToken);
            for (var m = 0; m < methods.Length; m++)
            {
                var heatmaps = flip ? results[m].Heatmaps.flip(2) : results[m].Heatmaps;
                sums[m] = sums[m] is { } sum ? sum.Plus(heatmaps) : heatmaps;
            }

            if (!flip && factor == 1.0)
            {
                plain = results;
            }
        }

        return [.. plain!.Select((result, m) =>
        {
            var averaged = result.ReplaceHeatmaps(sums[m]!.div(Scalars.Of(Augmentations.Length)));
            averaged.MoveToOuterDisposeScope();
            return averaged;
        })];
    }

    private CamResult[] ExplainOnce(torch.Tensor input, CamMethod[] methods, CamTarget target, CancellationToken cancellationToken)
    {
        using var scope = torch.NewDisposeScope();
        var gradients = methods.Any(m => m.UsesGradients);
        using var capture = new LayerCapture(_layers, _layerNames, gradients, Options.Reshape);
        var pass = Explanation.Capture(Model, input, target, Options, capture, cancellationToken);
        capture.RemoveHooks();

        torch.Tensor Reshaped(torch.Tensor layerOutput) => Options.Reshape?.Apply(layerOutput) ?? layerOutput;
        var captures = new CamCapture[_layers.Length];
        var channelDimension = Options.Reshape?.ChannelDimension ?? 1;
        for (var l = 0; l < _layers.Length; l++)
        {
            var output = capture.Outputs[l].detach();
            var layerGradients = pass.Gradients?[l];
            captures[l] = new CamCapture(
                input, _layerNames[l], output, channelDimension, Reshaped(output), layerGradients is null ? null : Reshaped(layerGradients), pass.Scores, pass.Classes,
                Rescorer(_layers[l], pass.Target), Options.Progress, cancellationToken);
        }

        var (height, width) = (input.shape[2], input.shape[3]);
        var results = new CamResult[methods.Length];
        for (var m = 0; m < methods.Length; m++)
        {
            var method = methods[m];
            var layerMaps = new torch.Tensor[_layers.Length];
            for (var l = 0; l < _layers.Length; l++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                layerMaps[l] = ComputeMaps(method, captures[l]);
            }

            var heatmaps = Maps.Heatmaps(layerMaps, height, width);
            results[m] = new CamResult(
                layerMaps[0].MoveToOuterDisposeScope(),
                heatmaps.MoveToOuterDisposeScope(),
                pass.Scores.clone().MoveToOuterDisposeScope(),
                pass.Output.clone().MoveToOuterDisposeScope(),
                pass.Classes,
                Options.ClassLabels,
                target.UsesClassScores,
                method.Name,
                method.Key,
                target.ToString() ?? string.Empty);
        }

        return results;
    }

    private torch.Tensor ComputeMaps(CamMethod method, CamCapture capture)
    {
        torch.Tensor maps;
        using (torch.no_grad())
        {
            try
            {
                maps = method.ComputeMaps(capture, Options.EigenSmooth);
            }
            catch (Exception e) when (Failures.IsWrapped(e))
            {
                throw new CamException(
                    $"The method {method.Name} threw {e.GetType().Name} at the layer '{capture.LayerName}': {Failures.FirstLine(e)} " +
                    "The failure is in the method's own code (a custom CamMethod, or its options), not in the input.",
                    e);
            }
        }

        var activations = capture.Activations;
        if (maps is null || maps.IsInvalid || maps.dim() != 3 || maps.shape[0] != activations.shape[0] || maps.shape[1] != activations.shape[2] || maps.shape[2] != activations.shape[3])
        {
            var shape = maps is null || maps.IsInvalid ? "no tensor" : "shape " + Shapes.Format(maps.shape);
            throw new CamException(
                $"{method.Name} returned {shape} for the layer '{capture.LayerName}'; a method must return N×h×w = " +
                $"[{activations.shape[0]}, {activations.shape[2]}, {activations.shape[3]}].");
        }

        Checks.Finite(maps, $"{method.Name}'s map of the layer '{capture.LayerName}'", "The method divided by zero or met non-finite values: check the model's scores and the method's options.");
        return maps.relu();
    }

    /// <summary>
    /// Runs the model again for a method, without the capture's hooks, and scores each row with the target of image n: the
    /// same target the call explains (its predicted classes fixed), through the same path (<see cref="Targeting"/>).
    /// </summary>
    private Func<int, torch.Tensor, torch.Tensor?, bool, torch.Tensor> Rescorer(torch.nn.Module<torch.Tensor, torch.Tensor> layer, CamTarget target) =>
        (image, inputs, layerOutputs, probability) =>
        {
            using var scope = torch.NewDisposeScope();
            using var noGrad = torch.no_grad();
            using var replacement = layerOutputs is null ? null : ScopedHook.Install(layer, (_, _, _) => layerOutputs);
            var output = Explanation.Forward(Model, inputs);
            var rowTarget = target.ForImage(image);
            if (probability)
            {
                // The softmax probability of the target's class: the class scores' softmax, scored as the target scores logits.
                var classScores = rowTarget.UsesClassScores ? Targeting.ClassScores(rowTarget, output, Options).softmax(-1)
                    : throw new CamTargetException("Score-CAM's class-probability weighting needs a class target. Explain a class, or use ScoreCamWeighting.SoftmaxOverChannels.");
                return Targeting.Score(rowTarget, classScores, inputs.shape[0], new ExplainerOptions { ClassLabels = Options.ClassLabels }).Scores.detach().MoveToOuterDisposeScope();
            }

            // Not checked for NaN here, batch by batch (a device-to-host read each time, hundreds per image on a GPU): a
            // non-finite score makes the channel weights non-finite, which ChannelWeightCamMethod checks once per layer.
            return Targeting.Score(rowTarget, output, inputs.shape[0], Options).Scores.detach().MoveToOuterDisposeScope();
        };
}
