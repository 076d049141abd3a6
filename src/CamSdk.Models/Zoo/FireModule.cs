using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CamSdk.Models;

/// <summary>SqueezeNet's Fire module: a 1×1 squeeze, then 1×1 and 3×3 expansions concatenated, each rectified by its own ReLU module.</summary>
internal sealed class FireModule : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d squeeze;
    private readonly ReLU squeeze_activation;
    private readonly Conv2d expand1x1;
    private readonly ReLU expand1x1_activation;
    private readonly Conv2d expand3x3;
    private readonly ReLU expand3x3_activation;

    internal FireModule(long inPlanes, long squeezePlanes, long expand1x1Planes, long expand3x3Planes) : base("Fire")
    {
        squeeze = nn.Conv2d(inPlanes, squeezePlanes, 1);
        squeeze_activation = nn.ReLU();
        expand1x1 = nn.Conv2d(squeezePlanes, expand1x1Planes, 1);
        expand1x1_activation = nn.ReLU();
        expand3x3 = nn.Conv2d(squeezePlanes, expand3x3Planes, 3, padding: 1);
        expand3x3_activation = nn.ReLU();
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = squeeze_activation.call(squeeze.call(input));
        return cat([expand1x1_activation.call(expand1x1.call(x)), expand3x3_activation.call(expand3x3.call(x))], 1).MoveToOuterDisposeScope();
    }
}
