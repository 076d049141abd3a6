using System;
using System.Threading;
using TorchSharp;

namespace CamSdk.Internal;

/// <summary>
/// What every explanation shares: input checks, one call at a time per model, gradients enabled,
/// evaluation mode, and the model left exactly as it was found, on success and on every exception.
/// </summary>
internal static class Explanation
{
    internal static T Run<T>(torch.nn.Module<torch.Tensor, torch.Tensor> model, torch.Tensor input, CancellationToken cancellationToken, Func<T> body)
    {
        Checks.Input(model, input);
        cancellationToken.ThrowIfCancellationRequested();
        lock (ModelLocks.For(model))
        {
            var state = ModelState.Capture(model);
            try
            {
                using var gradients = torch.enable_grad();
                state.EnterEvaluationMode();
                return body();
            }
            finally
            {
                state.Restore();
            }
        }
    }

    /// <summary>Runs the model through <c>call</c>, so that hooks fire, and turns its failures into a clear exception.</summary>
    internal static torch.Tensor Forward(torch.nn.Module<torch.Tensor, torch.Tensor> model, torch.Tensor input)
    {
        torch.Tensor output;
        try
        {
            output = model.call(input);
        }
        catch (Exception e) when (e is not CamException and not OperationCanceledException and not OutOfMemoryException)
        {
            throw new CamInputException(
                $"The model's forward pass failed on an input of shape {Shapes.Format(input.shape)} ({input.dtype}, {input.device}): {e.Message.Split('\n')[0].Trim()} " +
                "Check that the input has the channel count, size and element type the model was built for.",
                e);
        }

        if (output is null || output.IsInvalid)
        {
            throw new CamModelException("The model's forward pass returned no tensor (null or disposed). Return the output tensor from forward.");
        }

        return output;
    }

    /// <summary>
    /// ∂(Σ_n scores_n)/∂<paramref name="wrt"/>, with every precondition of autograd.grad checked first:
    /// a failure inside it aborts the process instead of throwing.
    /// </summary>
    internal static torch.Tensor Gradient(torch.Tensor scores, torch.Tensor wrt, string wrtName)
    {
        if (!torch.is_grad_enabled() || !scores.requires_grad)
        {
            throw new CamTargetException(
                $"The target scores have no gradient path to {wrtName}. Compute the score from the model output with " +
                "differentiable tensor operations, and make sure the model's forward does not detach its output or run under torch.no_grad().");
        }

        using var total = scores.sum();
        var gradients = torch.autograd.grad([total], [wrt], retain_graph: false, create_graph: false, allow_unused: true);
        var gradient = gradients.Count == 1 ? gradients[0] : null;
        if (gradient is null || gradient.IsInvalid)
        {
            throw new CamTargetException(
                $"The target scores do not depend on {wrtName}. Explain a layer that the scored output is computed from, " +
                "or a score that is computed from this layer's output.");
        }

        return gradient;
    }
}
