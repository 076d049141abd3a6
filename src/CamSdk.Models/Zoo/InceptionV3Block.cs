using System;
using System.Collections.Generic;
using TorchSharp;
using static TorchSharp.torch;

namespace CamSdk.Models;

/// <summary>
/// Inception v3's blocks (torchvision's InceptionA to InceptionE): named <see cref="BasicConv2d"/> branches, concatenated.
/// Each factory holds torchvision's branch names and shapes; the forward of each is torchvision's.
/// </summary>
internal sealed class InceptionV3Block : nn.Module<Tensor, Tensor>
{
    private readonly Dictionary<string, BasicConv2d> _convs = [];
    private readonly Func<InceptionV3Block, Tensor, Tensor[]> _branches;

    private InceptionV3Block(string name, Func<InceptionV3Block, Tensor, Tensor[]> branches) : base(name) => _branches = branches;

    /// <summary>InceptionA (Mixed_5b–5d): 1×1; 1×1→5×5; 1×1→3×3→3×3; 3×3 average pool→1×1.</summary>
    internal static InceptionV3Block A(long input, long poolFeatures) => new InceptionV3Block("InceptionA", (b, x) =>
    [
        b["branch1x1"](x),
        b["branch5x5_2"](b["branch5x5_1"](x)),
        b["branch3x3dbl_3"](b["branch3x3dbl_2"](b["branch3x3dbl_1"](x))),
        b["branch_pool"](nn.functional.avg_pool2d(x, 3, 1, 1)),
    ])
        .Add("branch1x1", new(input, 64, 1))
        .Add("branch5x5_1", new(input, 48, 1))
        .Add("branch5x5_2", new(48, 64, 5, padding: 2))
        .Add("branch3x3dbl_1", new(input, 64, 1))
        .Add("branch3x3dbl_2", new(64, 96, 3, padding: 1))
        .Add("branch3x3dbl_3", new(96, 96, 3, padding: 1))
        .Add("branch_pool", new(input, poolFeatures, 1));

    /// <summary>InceptionB (Mixed_6a): 3×3 stride 2; 1×1→3×3→3×3 stride 2; 3×3 max pool stride 2.</summary>
    internal static InceptionV3Block B(long input) => new InceptionV3Block("InceptionB", (b, x) =>
    [
        b["branch3x3"](x),
        b["branch3x3dbl_3"](b["branch3x3dbl_2"](b["branch3x3dbl_1"](x))),
        nn.functional.max_pool2d(x, 3, 2),
    ])
        .Add("branch3x3", new(input, 384, 3, stride: 2))
        .Add("branch3x3dbl_1", new(input, 64, 1))
        .Add("branch3x3dbl_2", new(64, 96, 3, padding: 1))
        .Add("branch3x3dbl_3", new(96, 96, 3, stride: 2));

    /// <summary>InceptionC (Mixed_6b–6e): 1×1; factorised 7×7; doubly factorised 7×7; average pool→1×1.</summary>
    internal static InceptionV3Block C(long input, long c7) => new InceptionV3Block("InceptionC", (b, x) =>
    [
        b["branch1x1"](x),
        b["branch7x7_3"](b["branch7x7_2"](b["branch7x7_1"](x))),
        b["branch7x7dbl_5"](b["branch7x7dbl_4"](b["branch7x7dbl_3"](b["branch7x7dbl_2"](b["branch7x7dbl_1"](x))))),
        b["branch_pool"](nn.functional.avg_pool2d(x, 3, 1, 1)),
    ])
        .Add("branch1x1", new(input, 192, 1))
        .Add("branch7x7_1", new(input, c7, 1))
        .Add("branch7x7_2", new(c7, c7, (1, 7), padding: (0, 3)))
        .Add("branch7x7_3", new(c7, 192, (7, 1), padding: (3, 0)))
        .Add("branch7x7dbl_1", new(input, c7, 1))
        .Add("branch7x7dbl_2", new(c7, c7, (7, 1), padding: (3, 0)))
        .Add("branch7x7dbl_3", new(c7, c7, (1, 7), padding: (0, 3)))
        .Add("branch7x7dbl_4", new(c7, c7, (7, 1), padding: (3, 0)))
        .Add("branch7x7dbl_5", new(c7, 192, (1, 7), padding: (0, 3)))
        .Add("branch_pool", new(input, 192, 1));

    /// <summary>InceptionD (Mixed_7a): 1×1→3×3 stride 2; 1×1→1×7→7×1→3×3 stride 2; 3×3 max pool stride 2.</summary>
    internal static InceptionV3Block D(long input) => new InceptionV3Block("InceptionD", (b, x) =>
    [
        b["branch3x3_2"](b["branch3x3_1"](x)),
        b["branch7x7x3_4"](b["branch7x7x3_3"](b["branch7x7x3_2"](b["branch7x7x3_1"](x)))),
        nn.functional.max_pool2d(x, 3, 2),
    ])
        .Add("branch3x3_1", new(input, 192, 1))
        .Add("branch3x3_2", new(192, 320, 3, stride: 2))
        .Add("branch7x7x3_1", new(input, 192, 1))
        .Add("branch7x7x3_2", new(192, 192, (1, 7), padding: (0, 3)))
        .Add("branch7x7x3_3", new(192, 192, (7, 1), padding: (3, 0)))
        .Add("branch7x7x3_4", new(192, 192, 3, stride: 2));

    /// <summary>InceptionE (Mixed_7b, 7c): 1×1; 1×1→(1×3 ‖ 3×1); 1×1→3×3→(1×3 ‖ 3×1); average pool→1×1.</summary>
    internal static InceptionV3Block E(long input) => new InceptionV3Block("InceptionE", (b, x) =>
    {
        var branch3x3 = b["branch3x3_1"](x);
        var branch3x3dbl = b["branch3x3dbl_2"](b["branch3x3dbl_1"](x));
        return
        [
            b["branch1x1"](x),
            cat([b["branch3x3_2a"](branch3x3), b["branch3x3_2b"](branch3x3)], 1),
            cat([b["branch3x3dbl_3a"](branch3x3dbl), b["branch3x3dbl_3b"](branch3x3dbl)], 1),
            b["branch_pool"](nn.functional.avg_pool2d(x, 3, 1, 1)),
        ];
    })
        .Add("branch1x1", new(input, 320, 1))
        .Add("branch3x3_1", new(input, 384, 1))
        .Add("branch3x3_2a", new(384, 384, (1, 3), padding: (0, 1)))
        .Add("branch3x3_2b", new(384, 384, (3, 1), padding: (1, 0)))
        .Add("branch3x3dbl_1", new(input, 448, 1))
        .Add("branch3x3dbl_2", new(448, 384, 3, padding: 1))
        .Add("branch3x3dbl_3a", new(384, 384, (1, 3), padding: (0, 1)))
        .Add("branch3x3dbl_3b", new(384, 384, (3, 1), padding: (1, 0)))
        .Add("branch_pool", new(input, 192, 1));

    private Func<Tensor, Tensor> this[string name] => _convs[name].call;

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        return cat(_branches(this, input), 1).MoveToOuterDisposeScope();
    }

    private InceptionV3Block Add(string name, BasicConv2d conv)
    {
        _convs.Add(name, conv);
        register_module(name, conv);
        return this;
    }
}
