using System;
using System.Collections.Generic;
using System.Linq;
using CamSdk.Internal;
using CamSdk.Onnx.Graph;
using TorchSharp;
using static TorchSharp.torch;

namespace CamSdk.Onnx.Operators;

/// <summary>
/// The ONNX operators of the default domain that the importer runs, as TorchSharp operations that keep the autograd
/// graph, each following the operator's specification at the model's opset (onnx.ai/onnx/operators). Activations
/// that TorchSharp has as modules (Relu, LeakyRelu, Sigmoid, Tanh, HardSigmoid, HardSwish, Clip as ReLU6) are made
/// modules by <see cref="Activations"/>, so that Guided Backpropagation sees them.
/// </summary>
internal static partial class Operators
{
    /// <summary>The lowest opset of the default domain the importer takes.</summary>
    internal const int MinOpset = 7;

    /// <summary>The highest opset of the default domain the importer takes.</summary>
    internal const int MaxOpset = 18;

    private static readonly Dictionary<string, Func<NodeContext, Tensor[]>> Table = new(StringComparer.Ordinal)
    {
        // Convolution, pooling, normalisation, dense layers.
        ["Conv"] = One(Conv),
        ["MaxPool"] = One(MaxPool),
        ["AveragePool"] = One(AveragePool),
        ["GlobalAveragePool"] = One(c => c.Input(0).mean(SpatialDims(c.Input(0)), keepdim: true)),
        ["GlobalMaxPool"] = One(c => c.Input(0).amax(SpatialDims(c.Input(0)), keepdim: true)),
        ["BatchNormalization"] = One(BatchNormalization),
        ["LayerNormalization"] = One(LayerNormalization),
        ["Gemm"] = One(Gemm),
        ["MatMul"] = One(c => MatMul(c, c.Input(0), c.Input(1))),

        // Element-wise arithmetic (numpy broadcasting, as torch's).
        ["Add"] = One(c => c.Input(0).Plus(c.Input(1))),
        ["Sub"] = One(c => c.Input(0) - c.Input(1)),
        ["Mul"] = One(c => c.Input(0) * c.Input(1)),
        ["Div"] = One(Div),
        ["Pow"] = One(c => c.Input(0).pow(c.Input(1))),
        ["Sqrt"] = One(c => c.Input(0).sqrt()),
        ["Erf"] = One(c => c.Input(0).erf()),
        ["Neg"] = One(c => c.Input(0).neg()),
        ["Exp"] = One(c => c.Input(0).exp()),
        ["Equal"] = One(c => c.Input(0).eq(c.Input(1))),
        ["Not"] = One(c => c.Input(0).logical_not()),
        ["Mod"] = One(c => c.Int("fmod", 0) != 0 ? c.Input(0).fmod(c.Input(1)) : c.Input(0).remainder(c.Input(1))),
        ["Where"] = One(c => where(c.Input(0), c.Input(1), c.Input(2))),
        ["Cast"] = One(Cast),
        ["Softmax"] = One(Softmax),
        ["ReduceMean"] = One(ReduceMean),
        ["Clip"] = One(Clip),
        ["HardSigmoid"] = One(HardSigmoid),

        // Shapes.
        ["Flatten"] = One(Flatten),
        ["Reshape"] = One(Reshape),
        ["Transpose"] = One(Transpose),
        ["Concat"] = One(c => cat(Enumerable.Range(0, c.InputCount).Select(c.Input).ToArray(), c.Axis(c.Int("axis", 0), c.Input(0).dim()))),
        ["Split"] = Split,
        ["Slice"] = One(Slice),
        ["Squeeze"] = One(Squeeze),
        ["Unsqueeze"] = One(Unsqueeze),
        ["Shape"] = One(Shape),
        ["Gather"] = One(Gather),
        ["Expand"] = One(Expand),
        ["Range"] = One(Range),
        ["ScatterND"] = One(ScatterND),
        ["ConstantOfShape"] = One(ConstantOfShape),
        ["Identity"] = One(c => c.Input(0).alias()),
        ["Dropout"] = Dropout,
        ["Pad"] = One(Pad),
        ["Resize"] = One(Resize),
        ["Upsample"] = One(Upsample),
    };

    /// <summary>Every operator the importer takes, Constant and the activations included, sorted.</summary>
    internal static IReadOnlyList<string> Supported { get; } =
        [.. Table.Keys.Concat(Activations.Operators).Append("Constant").Distinct().Order(StringComparer.Ordinal)];

    /// <summary>Whether the importer runs an operator of the default domain.</summary>
    internal static bool Has(string opType) => Table.ContainsKey(opType) || Activations.Operators.Contains(opType);

    /// <summary>
    /// Whether an operator's input at <paramref name="index"/> is a setting the node reads on the host (Clip's bounds,
    /// Pad's value, Resize's region and scales, Upsample's scales, Range's bounds, Dropout's ratio) rather than a tensor
    /// it computes with: no gradient reaches such an input, so a float initializer read only there is no weight.
    /// </summary>
    internal static bool IsSetting(string opType, int index) => (opType, index) switch
    {
        ("Clip", 1 or 2) or ("Pad", 2) or ("Resize", 1 or 2) or ("Upsample", 1) or ("Range", _) or ("Dropout", 1) => true,
        _ => false,
    };

    /// <summary>Runs a node.</summary>
    internal static Tensor[] Run(NodeContext context) => Table[context.Node.OpType](context);

    private static Func<NodeContext, Tensor[]> One(Func<NodeContext, Tensor> run) => c => [run(c)];

    private static long[] SpatialDims(Tensor x) => [.. Enumerable.Range(2, (int)x.dim() - 2).Select(i => (long)i)];

    /// <summary>
    /// numpy's matmul, checked first: libtorch's matmul of mismatched shapes aborts the process (under TorchSharp 0.107)
    /// instead of throwing.
    /// </summary>
    internal static Tensor MatMul(NodeContext c, Tensor a, Tensor b)
    {
        var fits = a.dim() >= 1 && b.dim() >= 1 && a.shape[^1] == (b.dim() == 1 ? b.shape[0] : b.shape[^2]);
        var (batchA, batchB) = (a.shape.SkipLast(2).Reverse().ToArray(), b.shape.SkipLast(2).Reverse().ToArray());
        fits &= a.dim() < 3 || b.dim() < 3 || batchA.Zip(batchB).All(p => p.First == p.Second || p.First == 1 || p.Second == 1);
        return fits
            ? a.matmul(b)
            : throw new CamModelException(
                $"The {c.Node.OpType} node '{c.Name}' multiplies [{string.Join(", ", a.shape)}] by [{string.Join(", ", b.shape)}], whose shapes do not fit a matrix product.");
    }

    private static Tensor Div(NodeContext c)
    {
        var (a, b) = (c.Input(0), c.Input(1));
        // ONNX divides integers with truncation; torch's div would give floats.
        return a.dtype == int64 && b.dtype == int64 ? a.div(b, RoundingMode.trunc) : a / b;
    }

    private static Tensor Cast(NodeContext c)
    {
        var to = (int)c.Int("to", 1);
        var type = to switch
        {
            1 or 11 => float32,
            6 or 7 => int64,
            9 => ScalarType.Bool,
            _ => throw c.Unsupported($"a cast to {OnnxTensors.NameOf(to)}"),
        };
        return c.Input(0).to(type);
    }

    private static Tensor Softmax(NodeContext c)
    {
        var x = c.Input(0);
        if (c.Opset >= 13)
        {
            return x.softmax(c.Axis(c.Int("axis", -1), x.dim()));
        }

        // Before opset 13, Softmax flattens the input to 2-D at the axis and normalises each row.
        var axis = c.Axis(c.Int("axis", 1), x.dim());
        var rows = x.shape.Take((int)axis).Aggregate(1L, (a, d) => a * d);
        return x.reshape(rows, -1).softmax(1).reshape(x.shape);
    }

    private static Tensor ReduceMean(NodeContext c)
    {
        var x = c.Input(0);
        var keep = c.Int("keepdims", 1) != 0;
        var axes = c.Opset >= 18 ? c.Longs(1) : c.Ints("axes");
        if (axes is null || axes.Length == 0)
        {
            return c.Opset >= 18 && c.Int("noop_with_empty_axes", 0) != 0 ? x.alias() : keep ? x.mean([.. Enumerable.Range(0, (int)x.dim()).Select(i => (long)i)], keepdim: true) : x.mean();
        }

        return x.mean([.. axes.Select(a => c.Axis(a, x.dim()))], keepdim: keep);
    }

    private static Tensor Clip(NodeContext c)
    {
        var x = c.Input(0);
        float? low, high;
        if (c.Opset >= 11)
        {
            (low, high) = (c.Scalar(1), c.Scalar(2));
        }
        else
        {
            (low, high) = (c.Attribute("min") is null ? null : c.Float("min", 0), c.Attribute("max") is null ? null : c.Float("max", 0));
        }

        if (low is null && high is null)
        {
            return x.alias();
        }

        if (low is null)
        {
            using var h = high!.Value.ToScalar();
            return x.clamp_max(h);
        }

        if (high is null)
        {
            using var l = low.Value.ToScalar();
            return x.clamp_min(l);
        }

        using var lower = low.Value.ToScalar();
        using var upper = high.Value.ToScalar();
        return x.clamp(lower, upper);
    }

    private static Tensor HardSigmoid(NodeContext c)
    {
        using var alpha = c.Float("alpha", 0.2f).ToScalar();
        using var beta = c.Float("beta", 0.5f).ToScalar();
        return c.Input(0).mul(alpha).Plus(beta).clamp(Scalars.Of(0), Scalars.Of(1));
    }

    private static Tensor[] Dropout(NodeContext c)
    {
        // Inference: the identity; the mask, when asked for, keeps everything.
        var x = c.Input(0);
        return c.OutputCount > 1 ? [x.alias(), ones_like(x, dtype: ScalarType.Bool)] : [x.alias()];
    }
}
