using System;
using CamSdk.Internal;
using TorchSharp;

namespace CamSdk.Guided;

/// <summary>
/// Guided Grad-CAM of a batch: the Grad-CAM maps, the Guided Backpropagation gradients, and their product.
/// Owns its tensors: dispose it, or let an enclosing <c>torch.NewDisposeScope()</c> do so.
/// </summary>
public sealed class GuidedGradCamResult : IDisposable
{
    internal GuidedGradCamResult(CamResult cam, torch.Tensor guidedBackpropagation, torch.Tensor guidedGradCam)
    {
        Cam = cam;
        GuidedBackpropagation = guidedBackpropagation;
        GuidedGradCam = guidedGradCam;
    }

    /// <summary>The Grad-CAM maps, scores and classes.</summary>
    public CamResult Cam { get; }

    /// <summary>The guided gradients with respect to the input, N×C×H×W.</summary>
    public torch.Tensor GuidedBackpropagation { get; }

    /// <summary>Guided Backpropagation × the upsampled, normalised Grad-CAM heatmap, per channel: N×C×H×W.</summary>
    public torch.Tensor GuidedGradCam { get; }

    /// <summary>Copies image <paramref name="index"/>'s Guided Grad-CAM to a C×H×W array.</summary>
    /// <param name="index">The image's position in the batch.</param>
    /// <returns>The product, indexed [channel, row, column].</returns>
    public float[,,] GuidedGradCamToArray(int index = 0) => HostArrays.Cube(GuidedGradCam, index, "Guided Grad-CAM maps");

    /// <summary>Releases the native memory of every tensor of the result.</summary>
    public void Dispose()
    {
        Cam.Dispose();
        GuidedBackpropagation.Dispose();
        GuidedGradCam.Dispose();
    }
}
