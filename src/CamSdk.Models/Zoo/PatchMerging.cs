using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CamSdk.Models;

/// <summary>Swin's <c>PatchMerging</c>: each 2×2 neighbourhood of an N×H×W×C map concatenated (4C), normalised and projected to 2C.</summary>
internal sealed class PatchMerging : nn.Module<Tensor, Tensor>
{
    private readonly Linear reduction;
    private readonly LayerNorm norm;

    internal PatchMerging(long dim) : base("PatchMerging")
    {
        reduction = nn.Linear(4 * dim, 2 * dim, hasBias: false);
        norm = nn.LayerNorm(4 * dim);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var (h, w) = (input.shape[^3], input.shape[^2]);
        var x = nn.functional.pad(input, [0, 0, 0, w % 2, 0, h % 2]);
        Tensor Part(long row, long column) =>
            x[TensorIndex.Ellipsis, TensorIndex.Slice(row, null, 2), TensorIndex.Slice(column, null, 2), TensorIndex.Colon];
        x = cat([Part(0, 0), Part(1, 0), Part(0, 1), Part(1, 1)], -1);
        return reduction.call(norm.call(x)).MoveToOuterDisposeScope();
    }
}
