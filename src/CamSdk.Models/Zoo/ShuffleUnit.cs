using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CamSdk.Models;

/// <summary>
/// torchvision's ShuffleNet v2 unit (its <c>InvertedResidual</c>): two branches (at stride 1, half the channels pass
/// untouched) concatenated, then the channels shuffled between the two groups.
/// </summary>
internal sealed class ShuffleUnit : nn.Module<Tensor, Tensor>
{
    private readonly Sequential branch1;
    private readonly Sequential branch2;
    private readonly long _stride;

    internal ShuffleUnit(long input, long output, long stride) : base("ShuffleUnit")
    {
        _stride = stride;
        var branch = output / 2;
        branch1 = stride > 1
            ? nn.Sequential(
                nn.Conv2d(input, input, 3, stride: stride, padding: 1, groups: input, bias: false), nn.BatchNorm2d(input),
                nn.Conv2d(input, branch, 1, bias: false), nn.BatchNorm2d(branch), nn.ReLU())
            : nn.Sequential();
        branch2 = nn.Sequential(
            nn.Conv2d(stride > 1 ? input : branch, branch, 1, bias: false), nn.BatchNorm2d(branch), nn.ReLU(),
            nn.Conv2d(branch, branch, 3, stride: stride, padding: 1, groups: branch, bias: false), nn.BatchNorm2d(branch),
            nn.Conv2d(branch, branch, 1, bias: false), nn.BatchNorm2d(branch), nn.ReLU());
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        Tensor joined;
        if (_stride == 1)
        {
            var halves = input.chunk(2, dim: 1);
            joined = cat([halves[0], branch2.call(halves[1])], 1);
        }
        else
        {
            joined = cat([branch1.call(input), branch2.call(input)], 1);
        }

        // channel_shuffle(x, 2): (n, 2, c/2, h, w), swap the two channel axes, back to (n, c, h, w).
        var (n, c, h, w) = (joined.shape[0], joined.shape[1], joined.shape[2], joined.shape[3]);
        return joined.view(n, 2, c / 2, h, w).transpose(1, 2).contiguous().view(n, -1, h, w).MoveToOuterDisposeScope();
    }
}
