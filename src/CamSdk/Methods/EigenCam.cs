using System;
using CamSdk.Internal;
using TorchSharp;

namespace CamSdk.Methods;

/// <summary>
/// Eigen-CAM (Muhammad and Yeasin, "Eigen-CAM: Class Activation Map using Principal Components", IJCNN 2020): the
/// projection of the centred activations on their first principal component. It needs no gradient and no target:
/// every class gets the same map.
/// </summary>
/// <remarks>
/// As in pytorch-grad-cam, the activations are centred per channel before the SVD (the paper projects the raw
/// activations). The sign of a singular vector is arbitrary, and pytorch-grad-cam leaves it to LAPACK; here the
/// projection is negated when its most negative value is larger in magnitude than its most positive one, so the map
/// is the same on every machine. <c>eigen_smooth</c> changes nothing: the map is already a projection.
/// </remarks>
public sealed class EigenCam : CamMethod
{
    /// <inheritdoc />
    public override string Name => "EigenCAM";

    /// <inheritdoc />
    public override string Key => "eigencam";

    /// <inheritdoc />
    public override bool UsesGradients => false;

    /// <inheritdoc />
    protected internal override torch.Tensor ComputeMaps(CamCapture capture, bool eigenSmooth)
    {
        ArgumentNullException.ThrowIfNull(capture);
        return Projection.FirstComponent(capture.Activations);
    }
}
