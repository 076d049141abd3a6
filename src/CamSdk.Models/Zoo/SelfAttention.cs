using System;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CamSdk.Models;

/// <summary>
/// PyTorch's <c>nn.MultiheadAttention</c> as self-attention over N×T×D tokens (batch first), with its state-dict names
/// (<c>in_proj_weight</c>, <c>in_proj_bias</c>, <c>out_proj</c>), computed with differentiable tensor operations.
/// </summary>
internal sealed class SelfAttention : nn.Module<Tensor, Tensor>
{
    private readonly Parameter in_proj_weight;
    private readonly Parameter in_proj_bias;
    private readonly Linear out_proj;
    private readonly long _heads;

    internal SelfAttention(long dim, long heads) : base("MultiheadAttention")
    {
        _heads = heads;
        in_proj_weight = new Parameter(empty(3 * dim, dim));
        in_proj_bias = new Parameter(zeros(3 * dim));
        out_proj = nn.Linear(dim, dim);
        using (no_grad())
        {
            nn.init.xavier_uniform_(in_proj_weight);
            nn.init.zeros_(out_proj.bias!);
        }

        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var (n, t, d) = (input.shape[0], input.shape[1], input.shape[2]);
        var qkv = nn.functional.linear(input, in_proj_weight, in_proj_bias).view(n, t, 3, _heads, d / _heads).permute(2, 0, 3, 1, 4);
        var (q, k, v) = (qkv[0], qkv[1], qkv[2]);
        using var scale = (1.0 / Math.Sqrt(d / _heads)).ToScalar();
        var attention = q.mul(scale).matmul(k.transpose(-2, -1)).softmax(-1);
        var mixed = attention.matmul(v).transpose(1, 2).reshape(n, t, d);
        return out_proj.call(mixed).MoveToOuterDisposeScope();
    }
}
