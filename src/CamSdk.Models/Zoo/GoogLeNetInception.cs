using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CamSdk.Models;

/// <summary>GoogLeNet's <c>Inception</c> block: 1×1, 1×1→3×3, 1×1→3×3 (torchvision's 3×3 in the "5×5" branch) and pool→1×1 branches, concatenated.</summary>
internal sealed class GoogLeNetInception : nn.Module<Tensor, Tensor>
{
    private readonly BasicConv2d branch1;
    private readonly Sequential branch2;
    private readonly Sequential branch3;
    private readonly Sequential branch4;

    internal GoogLeNetInception(long input, long ch1x1, long ch3x3Reduce, long ch3x3, long ch5x5Reduce, long ch5x5, long poolProjection) : base("Inception")
    {
        branch1 = new BasicConv2d(input, ch1x1, 1);
        branch2 = nn.Sequential(new BasicConv2d(input, ch3x3Reduce, 1), new BasicConv2d(ch3x3Reduce, ch3x3, 3, padding: 1));
        branch3 = nn.Sequential(new BasicConv2d(input, ch5x5Reduce, 1), new BasicConv2d(ch5x5Reduce, ch5x5, 3, padding: 1));
        branch4 = nn.Sequential(nn.MaxPool2d(3, stride: 1, padding: 1, ceil_mode: true), new BasicConv2d(input, poolProjection, 1));
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        return cat([branch1.call(input), branch2.call(input), branch3.call(input), branch4.call(input)], 1).MoveToOuterDisposeScope();
    }
}
