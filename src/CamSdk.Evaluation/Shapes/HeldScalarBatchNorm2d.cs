using System;
using CamSdk.Internal;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CamSdk.Shapes;

/// <summary>
/// TorchSharp's <see cref="BatchNorm2d"/> but for one Scalar: in training it counts the batch with a held one, where
/// <see cref="BatchNorm.forward"/> passes <c>num_batches_tracked.add_(1)</c> a temporary that a garbage collection can
/// free mid-call (see <c>CamSdk.Internal.Scalars</c>). The same parameters, buffers, state-dict keys and arithmetic.
/// </summary>
internal sealed class HeldScalarBatchNorm2d : BatchNorm
{
    internal HeldScalarBatchNorm2d(long features)
        : base(features, eps: 1e-5, momentum: 0.1, affine: true, track_running_stats: true, device: null, dtype: null, nameof(BatchNorm2d))
    {
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        ValidateInputDimensions(input);
        var averagingFactor = momentum ?? 0.0;
        if (training && track_running_stats && num_batches_tracked is { } batches)
        {
            batches.add_(Scalars.Of(1), Scalars.Of(1));
            averagingFactor = momentum ?? 1.0 / batches.item<long>();
        }

        var useBatchStatistics = training || (running_mean is null && running_var is null);
        var useRunningStatistics = !training || track_running_stats;
        return nn.functional.batch_norm(
            input,
            useRunningStatistics ? running_mean : null,
            useRunningStatistics ? running_var : null,
            weight,
            bias,
            useBatchStatistics,
            averagingFactor,
            eps);
    }

    /// <inheritdoc />
    protected override void ValidateInputDimensions(Tensor input)
    {
        if (input.ndim != 4)
        {
            throw new ArgumentException($"expected 4D input, but got {input.ndim}D input.", nameof(input));
        }
    }
}
