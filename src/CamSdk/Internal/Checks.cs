using System;
using System.Linq;
using System.Runtime.InteropServices;
using TorchSharp;

namespace CamSdk.Internal;

/// <summary>
/// Preconditions checked in managed code before libtorch is called: some libtorch errors (inside
/// autograd.grad, a mismatched matmul) abort the process instead of throwing.
/// </summary>
internal static class Checks
{
    /// <summary>
    /// Refuses a model that cannot run: disposed, or with a disposed submodule (its parameters or buffers are gone, and
    /// running it could crash the process), or called inside <c>torch.inference_mode()</c>, where no gradient can be recorded.
    /// </summary>
    internal static void Model(torch.nn.Module model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (torch.is_inference_mode_enabled())
        {
            throw new CamModelException(
                "CamSdk was called inside torch.inference_mode(), where libtorch records no gradient, so no map can be computed. " +
                "Call it outside the inference_mode block (torch.no_grad() is fine: CamSdk enables gradients where it needs them).");
        }

        RequireLive(model);
    }

    /// <summary>
    /// Refuses a model that is disposed, or has a disposed submodule (an explained layer, say), naming it: running it
    /// could crash the process.
    /// </summary>
    private static void RequireLive(torch.nn.Module model)
    {
        string? disposed;
        try
        {
            // Module.Dispose closes the module's native handle and drops its parameters from the listings, so each
            // module's handle is looked at (TorchSharp keeps it internal), then every tensor still listed.
            disposed = model.named_modules().Prepend((name: string.Empty, module: model))
                .FirstOrDefault(m => TorchSharpInternals.ModuleHandle?.GetValue(m.module) is SafeHandle { IsClosed: true }).name
                ?? (model.parameters().Any(p => p is null || p.IsInvalid) || model.buffers().Any(b => b is null || b.IsInvalid) ? string.Empty : null);
        }
        catch (Exception e) when (e is ObjectDisposedException or InvalidOperationException or NullReferenceException or System.Runtime.InteropServices.ExternalException)
        {
            disposed = string.Empty;
        }

        if (disposed is not null)
        {
            var what = disposed.Length == 0 ? $"The model ({model.GetName()})" : $"The model's module '{disposed}'";
            throw new CamModelException(
                $"{what} has been disposed: its parameters are gone. Explain a live model: " +
                "dispose it only after the explanations are done, and do not put it in a using block that ends before them.");
        }
    }

    internal static void Input(torch.nn.Module model, torch.Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.IsInvalid)
        {
            throw new CamInputException("The input tensor has been disposed. Pass a live N×C×H×W tensor.");
        }

        if (input.dim() != 4)
        {
            var hint = input.dim() == 3
                ? " For a single C×H×W image, add the batch dimension with input.unsqueeze(0)."
                : string.Empty;
            throw new CamInputException(
                $"The input has shape {Shapes.Format(input.shape)}, but an image batch of shape N×C×H×W is needed.{hint}");
        }

        if (input.shape.Any(d => d == 0))
        {
            throw new CamInputException(
                $"The input batch of shape {Shapes.Format(input.shape)} is empty. Pass at least one image with a non-zero size.");
        }

        if (!input.is_floating_point())
        {
            throw new CamInputException(
                $"The input has element type {input.dtype}, but the model needs floating point values. " +
                "Convert it with input.to_type(torch.float32) (and normalise it as the model was trained).");
        }

        OnModelsDevice(model, input);
        Finite(input, "The input", "Check the image loading and normalisation.", e => new CamInputException(e));
    }

    /// <summary>Refuses an input on another device than the model's weights (its first parameter, or buffer where it has none).</summary>
    internal static void OnModelsDevice(torch.nn.Module model, torch.Tensor input, string what = "the input")
    {
        var weight = model.parameters().Cast<torch.Tensor>().Concat(model.buffers()).FirstOrDefault();
        if (weight is not null && !SameDevice(weight.device, input.device))
        {
            throw new CamInputException(
                $"The model is on {weight.device} but {what} is on {input.device}. " +
                $"Move {what} to the model's device with .to(model's device), or the model with model.to({input.device}).");
        }
    }

    /// <summary>Throws if any element is NaN or infinite.</summary>
    internal static void Finite(torch.Tensor tensor, string what, string advice, Func<string, CamException>? create = null)
    {
        using var scope = torch.NewDisposeScope();
        var finite = tensor.detach().isfinite();
        if (!finite.all().item<bool>())
        {
            var count = finite.logical_not().sum().item<long>();
            var message = $"{what} contains {count} NaN or infinite value(s). {advice}";
            throw create is null ? new CamNumericException(message) : create(message);
        }
    }

    private static bool SameDevice(torch.Device a, torch.Device b) =>
        a.type == b.type && (a.type == DeviceType.CPU || Math.Max(a.index, 0) == Math.Max(b.index, 0));

    /// <summary>Refuses anything but a live N × C × H × W batch of at least one image.</summary>
    internal static void RequireImageBatch(torch.Tensor images, string name)
    {
        ArgumentNullException.ThrowIfNull(images, name);
        ObjectDisposedException.ThrowIf(images.IsInvalid, images);
        if (images.dim() != 4 || images.shape[0] == 0)
        {
            throw new ArgumentException($"Give the images as one N × C × H × W batch with at least one image, not a tensor of shape {Shapes.Format(images.shape)}.", name);
        }
    }
}
