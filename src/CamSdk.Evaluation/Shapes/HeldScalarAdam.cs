using System;
using System.Collections.Generic;
using CamSdk.Internal;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CamSdk.Shapes;

/// <summary>
/// TorchSharp's Adam with every Scalar it passes to libtorch held until libtorch is done with it: the same arithmetic, in
/// the same order, so the weights it trains are bit for bit those of <see cref="Adam"/>.
/// </summary>
/// <remarks>
/// <see cref="Adam.step"/> passes its coefficients as implicitly converted Scalars, which TorchSharp does not keep alive
/// across the native call; a garbage collection in the middle can free one in use (see <c>CamSdk.Internal.Scalars</c>).
/// This step makes each coefficient a <c>using</c> local instead. It supports what <see cref="ShapesNetTrainer"/> uses:
/// no weight decay, no AMSGrad, no maximising.
/// </remarks>
internal sealed class HeldScalarAdam : Adam
{
    internal HeldScalarAdam(IEnumerable<Parameter> parameters, double learningRate)
        : base(parameters, lr: learningRate)
    {
    }

    /// <inheritdoc />
    public override Tensor step(Func<Tensor>? closure = null) => _step<ParamGroup>(group =>
    {
        var options = (Options)group.Options;
        if (options.weight_decay is not 0.0 || options.amsgrad is true || options.maximize is true)
        {
            throw new NotSupportedException("HeldScalarAdam supports Adam without weight decay, AMSGrad or maximising.");
        }

        var beta1 = options.beta1!.Value;
        var beta2 = options.beta2!.Value;
        using var beta1Scalar = beta1.ToScalar();
        using var beta2Scalar = beta2.ToScalar();
        using var gradientWeight = (1 - beta1).ToScalar();
        using var squareWeight = (1 - beta2).ToScalar();
        using var eps = options.eps!.Value.ToScalar();
        var learningRate = options.LearningRate!.Value;
        foreach (var parameter in group.Parameters)
        {
            var state = (State)_state[parameter.Handle];
            var grad = parameter.grad;
            if (grad is null)
            {
                continue;
            }

            state.step += 1;
            var biasCorrection1 = 1 - Math.Pow(beta1, state.step);
            var biasCorrection2 = 1 - Math.Pow(beta2, state.step);
            state.exp_avg.mul_(beta1Scalar).add_(grad, gradientWeight);
            state.exp_avg_sq.mul_(beta2Scalar).addcmul_(grad, grad.conj(), squareWeight);
            using var root = Math.Sqrt(biasCorrection2).ToScalar();
            var denominator = state.exp_avg_sq.sqrt().div(root).add_(eps, Scalars.Of(1));
            using var stepSize = (-(learningRate / biasCorrection1)).ToScalar();
            parameter.addcdiv_(state.exp_avg, denominator, stepSize);
        }
    }, closure);
}
