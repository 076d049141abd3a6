using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using CamSdk.Targets;
using TorchSharp;

namespace CamSdk.Internal;

/// <summary>
/// The skeleton every explanation shares: input checks, one call at a time per model, evaluation mode, the
/// model left exactly as it was found, one forward pass through <c>call</c>, the target scores, and at most
/// one backward pass to the tensors the hooks captured.
/// </summary>
internal static class Explanation
{
    internal static T Run<T>(torch.nn.Module<torch.Tensor, torch.Tensor> model, torch.Tensor input, CancellationToken cancellationToken, Func<T> body)
    {
        Checks.Model(model);
        Checks.Input(model, input);
        cancellationToken.ThrowIfCancellationRequested();
        return ModelState.InEvaluationMode(model, body);
    }

    /// <summary>
    /// One forward pass with <paramref name="hooks"/> attached, the target scores, and, when the hooks capture
    /// tensors to differentiate, the gradient of the scores' sum with respect to each of them.
    /// </summary>
    /// <remarks>
    /// The forward pass starts under <c>no_grad</c>: the layers below the captured tensors need no graph, and
    /// the hooks enable gradients where the tensors they differentiate are made.
    /// </remarks>
    internal static Pass Capture(
        torch.nn.Module<torch.Tensor, torch.Tensor> model,
        torch.Tensor input,
        CamTarget target,
        ExplainerOptions options,
        ICaptureHooks hooks,
        CancellationToken cancellationToken)
    {
        // On machines whose oneDNN convolution gradients are wrong, libtorch's own kernels for this pass (NativeBackend).
        using var kernels = hooks.NeedsGradients ? NativeBackend.GradientScope() : null;
        using var noGrad = torch.no_grad();
        try
        {
            var output = Forward(model, hooks.PrepareInput(input));
            hooks.RequireRan();
            var scored = Score(target, output, input.shape[0], options);
            if (hooks.NeedsGradients)
            {
                Targeting.RequirePerImage(target, output, input.shape[0], options);
            }

            cancellationToken.ThrowIfCancellationRequested();
            var gradients = hooks.Differentiate(scored.Scores);
            for (var i = 0; i < (gradients?.Count ?? 0); i++)
            {
                Checks.Finite(gradients![i], $"The gradient at {hooks.GradientInputNames[i]}", "The scores are not differentiable here in floating point: check the model and its weights.");
            }

            return new Pass(scored.Scores.detach(), scored.Classes, gradients, scored.Output.detach(), target.Fixed(scored.Classes));
        }
        finally
        {
            // Gradients were enabled inside the forward pass: end that before the outer no_grad ends.
            hooks.EndGradients();
        }
    }

    /// <summary>
    /// Runs the model through <c>call</c>, so that hooks fire, and turns its failures into a clear exception: libtorch's
    /// complaints about shapes and element types blame the input, anything else (an exception thrown by the model's own
    /// code, or a libtorch error about its state) blames the model.
    /// </summary>
    internal static torch.Tensor Forward(torch.nn.Module<torch.Tensor, torch.Tensor> model, torch.Tensor input)
    {
        torch.Tensor output;
        try
        {
            output = model.call(input);
        }
        catch (Exception e) when (Failures.IsWrapped(e))
        {
            var reason = Failures.FirstLine(e);
            if (e is InvalidOperationException && reason.Contains("empty handle", StringComparison.Ordinal))
            {
                throw new CamModelException(
                    $"The model's forward pass used a disposed tensor ({reason}): the model, one of its layers, or a tensor its forward holds " +
                    "has been disposed. Dispose the model only after the explanations are done.",
                    e);
            }

            var described = $"shape {Shapes.Format(input.shape)} ({input.dtype}, {input.device})";
            if (BlamesInput(e))
            {
                throw new CamInputException(
                    $"The model's forward pass failed on an input of {described}: {reason} " +
                    "Check that the input has the channel count, size and element type the model was built for.",
                    e);
            }

            throw new CamModelException(
                $"The model's forward pass threw {e.GetType().Name} on an input of {described}: {reason} " +
                "This is a failure inside the model (its own code or its state), not of the input's shape or type: " +
                "run model.call(input) on this input outside CamSdk to find it.",
                e);
        }

        if (output is null || output.IsInvalid)
        {
            throw new CamModelException("The model's forward pass returned no tensor (null or disposed). Return the output tensor from forward.");
        }

        return output;
    }

    /// <summary>
    /// Whether a forward pass failed on the input's shape or element type: libtorch's messages for mismatched
    /// channels, sizes, ranks and dtypes, and TorchSharp's own shape checks.
    /// </summary>
    internal static bool BlamesInput(Exception e)
    {
        if (e is not (System.Runtime.InteropServices.ExternalException or ArgumentException))
        {
            return false;
        }

        var message = e.Message;
        string[] signs =
        [
            "to have", "channels", "shape", "size", "dimension", "dim ", "Expected", "expected", "dtype", "scalar type",
            "Input type", "cannot be multiplied", "kernel", "Kernel", "padding", "Padding", "must match", "mismatch",
        ];
        return signs.Any(s => message.Contains(s, StringComparison.Ordinal));
    }

    /// <summary>The target's score of each image, checked to be finite.</summary>
    internal static Targeting.Scored Score(CamTarget target, torch.Tensor output, long batchSize, ExplainerOptions options)
    {
        var scored = Targeting.Score(target, output, batchSize, options);
        Checks.Finite(scored.Scores, "The target scores", "The model produced non-finite outputs for this input: check the input's scale and the weights.");
        return scored;
    }

    /// <summary>
    /// ∂(Σ_n scores_n)/∂wrt_i for each captured tensor, with every precondition of autograd.grad checked first:
    /// a failure inside it aborts the process instead of throwing.
    /// </summary>
    internal static IReadOnlyList<torch.Tensor> Gradients(torch.Tensor scores, IReadOnlyList<torch.Tensor> wrt, IReadOnlyList<string> names)
    {
        RequireGradientPath(scores, names[0]);

        for (var i = 0; i < wrt.Count; i++)
        {
            if (!wrt[i].requires_grad)
            {
                throw new CamLayerException(
                    $"The scores cannot be differentiated with respect to {names[i]}: its output has no gradient path from the layers before it. " +
                    "Explain layers that lie on one path (each explained layer computed from the previous one), or explain them in separate calls.");
            }
        }

        using var total = scores.sum();
        var gradients = torch.autograd.grad([total], [.. wrt], retain_graph: false, create_graph: false, allow_unused: true);
        var result = new torch.Tensor[wrt.Count];
        for (var i = 0; i < wrt.Count; i++)
        {
            var gradient = i < gradients.Count ? gradients[i] : null;
            result[i] = gradient is null || gradient.IsInvalid
                ? throw new CamTargetException(
                    $"The target scores do not depend on {names[i]}. Explain a layer that the scored output is computed from, " +
                    "or a score that is computed from this layer's output.")
                : gradient;
        }

        return result;
    }

    /// <summary>Throws unless autograd.grad can differentiate <paramref name="scores"/> (it aborts the process otherwise).</summary>
    internal static void RequireGradientPath(torch.Tensor scores, string wrtName)
    {
        if (!torch.is_grad_enabled() || !scores.requires_grad)
        {
            throw new CamTargetException(
                $"The target scores have no gradient path to {wrtName}. Compute the score from the model output with " +
                "differentiable tensor operations, and make sure the model's forward does not detach its output or run under torch.no_grad().");
        }
    }

    /// <summary>
    /// What one forward (and backward) pass produced: the scores (detached), the classes, the gradients, the output the
    /// target scored (detached: the class scores for class targets), and the target with the pass's decisions fixed.
    /// </summary>
    internal sealed record Pass(torch.Tensor Scores, int[]? Classes, IReadOnlyList<torch.Tensor>? Gradients, torch.Tensor Output, CamTarget Target);
}
