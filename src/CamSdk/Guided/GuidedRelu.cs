using System.Collections.Generic;
using TorchSharp;

namespace CamSdk.Guided;

/// <summary>
/// The guided ReLU of Springenberg et al. (2015): forward as ReLU; backward passes a gradient only where
/// the ReLU's input was positive and the incoming gradient is positive.
/// </summary>
/// <remarks>
/// It is applied to a ReLU module's <em>output</em> (which equals the overwritten input of an in-place ReLU):
/// output &gt; 0 exactly where the input was &gt; 0, and ReLU of the output is the output itself.
/// </remarks>
internal sealed class GuidedRelu : torch.autograd.SingleTensorFunction<GuidedRelu>
{
    public override string Name => nameof(GuidedRelu);

    public override torch.Tensor forward(torch.autograd.AutogradContext ctx, params object[] vars)
    {
        var x = (torch.Tensor)vars[0];
        ctx.save_for_backward([x]);
        return x.relu();
    }

    public override List<torch.Tensor> backward(torch.autograd.AutogradContext ctx, torch.Tensor grad_output)
    {
        var x = ctx.get_saved_variables()[0];
        using var positiveInput = x.gt(0);
        using var positiveGradient = grad_output.clamp_min(0);
        return [positiveGradient * positiveInput];
    }
}
