using System;
using System.Collections.Generic;
using System.Threading;
using TorchSharp;

namespace CamSdk.Methods;

/// <summary>
/// Everything one explaining call captured at one layer, shared by every method of the call: the input, the
/// layer's activations, their gradients (when a method of the call uses them), the target scores and classes,
/// and a way to run the model again on other inputs. A <see cref="CamMethod"/> turns it into maps.
/// </summary>
/// <remarks>Every tensor belongs to the call and is disposed when it ends: do not keep or dispose them.</remarks>
public sealed class CamCapture
{
    private readonly torch.Tensor? _gradients;
    private readonly Func<int, torch.Tensor, torch.Tensor?, bool, torch.Tensor> _score;
    private readonly IProgress<CamProgress>? _progress;

    internal CamCapture(
        torch.Tensor input,
        string layerName,
        torch.Tensor layerOutput,
        int channelDimension,
        torch.Tensor activations,
        torch.Tensor? gradients,
        torch.Tensor scores,
        IReadOnlyList<int>? classIndices,
        Func<int, torch.Tensor, torch.Tensor?, bool, torch.Tensor> score,
        IProgress<CamProgress>? progress,
        CancellationToken cancellationToken)
    {
        Input = input;
        LayerName = layerName;
        LayerOutput = layerOutput;
        ChannelDimension = channelDimension;
        Activations = activations;
        _gradients = gradients;
        Scores = scores;
        ClassIndices = classIndices;
        _score = score;
        _progress = progress;
        CancellationToken = cancellationToken;
    }

    /// <summary>The explained batch, N×C×H×W.</summary>
    public torch.Tensor Input { get; }

    /// <summary>The explained layer's name within the model (e.g. <c>layer4</c>).</summary>
    public string LayerName { get; }

    /// <summary>The layer's output as the layer returned it (before any <see cref="ActivationReshape"/>), detached.</summary>
    public torch.Tensor LayerOutput { get; }

    /// <summary>The dimension of <see cref="LayerOutput"/> that holds the channels: 1, unless a reshape says otherwise.</summary>
    public int ChannelDimension { get; }

    /// <summary>The layer's activations A, N×K×h×w, detached from the graph.</summary>
    public torch.Tensor Activations { get; }

    /// <summary>The gradients ∂y/∂A, N×K×h×w: row n holds the gradient of image n's score.</summary>
    /// <exception cref="InvalidOperationException">The method declared that it uses no gradients, and no method of the call needed them.</exception>
    public torch.Tensor Gradients => _gradients ?? throw new InvalidOperationException(
        "No gradients were computed in this call: a method that reads CamCapture.Gradients must return true from CamMethod.UsesGradients.");

    /// <summary>The explained score of each image, shape [N].</summary>
    public torch.Tensor Scores { get; }

    /// <summary>The class explained for each image, or null when the target is a score function.</summary>
    public IReadOnlyList<int>? ClassIndices { get; }

    /// <summary>Cancels the method's work between batches of extra forward passes.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>
    /// Runs the model, without gradients, on other versions of image <paramref name="image"/> (masked, perturbed…)
    /// and returns that image's target score for each: the same class, or the same score function.
    /// </summary>
    /// <param name="image">The image of the batch whose target scores the inputs.</param>
    /// <param name="inputs">A B×C×H×W batch on the input's device.</param>
    /// <param name="classProbability">
    /// Score with the softmax probability of the image's class instead of the target score (the logit); needs a class target.
    /// </param>
    /// <returns>The B scores.</returns>
    public torch.Tensor ScoreInputs(int image, torch.Tensor inputs, bool classProbability = false)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        return _score(image, inputs, null, classProbability);
    }

    /// <summary>
    /// Runs the model, without gradients, on image <paramref name="image"/> repeated B times, with the layer's output
    /// replaced by <paramref name="layerOutputs"/>, and returns that image's target score for each row.
    /// </summary>
    /// <param name="image">The image of the batch.</param>
    /// <param name="layerOutputs">B replacement outputs of the layer, each shaped as one row of <see cref="LayerOutput"/>.</param>
    /// <returns>The B scores.</returns>
    public torch.Tensor ScoreWithLayerOutputs(int image, torch.Tensor layerOutputs)
    {
        ArgumentNullException.ThrowIfNull(layerOutputs);
        return _score(image, Input[image].unsqueeze(0).expand(layerOutputs.shape[0], -1, -1, -1).contiguous(), layerOutputs, false);
    }

    /// <summary>Reports a method's progress through its extra forward passes, and throws if the call was cancelled.</summary>
    /// <param name="method">The method's name.</param>
    /// <param name="completed">The passes done.</param>
    /// <param name="total">The passes in all.</param>
    public void ReportProgress(string method, int completed, int total)
    {
        CancellationToken.ThrowIfCancellationRequested();
        _progress?.Report(new CamProgress(method, completed, total, LayerName));
    }
}
