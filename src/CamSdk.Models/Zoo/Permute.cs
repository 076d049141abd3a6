using TorchSharp;
using static TorchSharp.torch;

namespace CamSdk.Models;

/// <summary>torchvision's <c>Permute</c>: the input's dimensions reordered.</summary>
internal sealed class Permute(params long[] dimensions) : nn.Module<Tensor, Tensor>("Permute")
{
    public override Tensor forward(Tensor input) => input.permute(dimensions);
}
