using System;
using System.Linq;
using CamSdk.Internal;
using CamSdk.Onnx.Graph;
using TorchSharp;
using static TorchSharp.torch;

namespace CamSdk.Onnx.Operators;

/// <summary>Convolution, pooling, normalisation and dense layers.</summary>
internal static partial class Operators
{
    private static Tensor Conv(NodeContext c)
    {
        var (x, w, b) = (c.Input(0), c.Input(1), c.Optional(2));
        var spatial = (int)w.dim() - 2;
        if (spatial is < 1 or > 3)
        {
            throw c.Unsupported($"a {spatial}-D convolution");
        }

        var kernel = w.shape.Skip(2).ToArray();
        var strides = c.Ints("strides") ?? Repeat(1, spatial);
        var dilations = c.Ints("dilations") ?? Repeat(1, spatial);
        var groups = c.Int("group", 1);
        var pads = Padding(c, x, kernel, strides, dilations);
        var (padded, symmetric) = PadAsymmetric(x, pads, spatial, 0);
        return spatial switch
        {
            1 => nn.functional.conv1d(padded, w, b, strides[0], symmetric[0], dilations[0], groups),
            2 => nn.functional.conv2d(padded, w, b, strides, symmetric, dilations, groups),
            _ => nn.functional.conv3d(padded, w, b, strides, symmetric, dilations, groups),
        };
    }

    private static Tensor MaxPool(NodeContext c)
    {
        if (c.OutputCount > 1)
        {
            throw c.Unsupported("the Indices output");
        }

        var x = c.Input(0);
        var spatial = (int)x.dim() - 2;
        var kernel = c.Ints("kernel_shape") ?? throw c.Unsupported("no kernel_shape");
        var strides = c.Ints("strides") ?? Repeat(1, spatial);
        var dilations = c.Ints("dilations") ?? Repeat(1, spatial);
        var ceil = c.Int("ceil_mode", 0) != 0;
        var pads = Padding(c, x, kernel, strides, dilations);
        // Padding with -inf outside the input is what ONNX's max pooling means; torch's padding argument is limited to
        // half the kernel, so the padding is applied first unless torch can take it.
        var fits = pads.Take(spatial).SequenceEqual(pads.Skip(spatial)) && pads.Take(spatial).Zip(kernel).All(p => p.First * 2 <= p.Second);
        var (input, padding) = fits ? (x, pads.Take(spatial).ToArray()) : (PadAll(x, pads, spatial, float.NegativeInfinity), Repeat(0, spatial));
        return spatial switch
        {
            1 => nn.functional.max_pool1d(input, kernel[0], strides[0], padding[0], dilations[0], ceil),
            2 => nn.functional.max_pool2d(input, kernel, strides, padding, dilations, ceil),
            3 => nn.functional.max_pool3d(input, kernel, strides, padding, dilations, ceil),
            _ => throw c.Unsupported($"a {spatial}-D max pooling"),
        };
    }

    private static Tensor AveragePool(NodeContext c)
    {
        var x = c.Input(0);
        var spatial = (int)x.dim() - 2;
        if (spatial != 2)
        {
            throw c.Unsupported($"a {spatial}-D average pooling");
        }

        var kernel = c.Ints("kernel_shape") ?? throw c.Unsupported("no kernel_shape");
        var strides = c.Ints("strides") ?? Repeat(1, spatial);
        var ceil = c.Int("ceil_mode", 0) != 0;
        var includePad = c.Int("count_include_pad", 0) != 0;
        var pads = Padding(c, x, kernel, strides, Repeat(1, spatial));
        var symmetric = pads.Take(spatial).SequenceEqual(pads.Skip(spatial)) && pads.Take(spatial).Zip(kernel).All(p => p.First * 2 <= p.Second);
        if (symmetric)
        {
            return nn.functional.avg_pool2d(x, kernel, strides, pads.Take(spatial).ToArray(), ceil, includePad);
        }

        // Asymmetric padding: the sum over each window divided by the number of its elements that count (inside the input,
        // or inside the padded input with count_include_pad), computed with the same windows.
        var padded = PadAll(x, pads, spatial, 0);
        var mask = includePad ? ones(1, 1, padded.shape[2], padded.shape[3], dtype: x.dtype, device: x.device) : PadAll(ones(1, 1, x.shape[2], x.shape[3], dtype: x.dtype, device: x.device), pads, spatial, 0);
        var zero = new long[] { 0, 0 };
        return nn.functional.avg_pool2d(padded, kernel, strides, zero, ceil, true) / nn.functional.avg_pool2d(mask, kernel, strides, zero, ceil, true);
    }

    private static Tensor BatchNormalization(NodeContext c)
    {
        if (c.Int("training_mode", 0) != 0 || c.OutputCount > 1)
        {
            throw c.Unsupported("training mode");
        }

        var (x, scale, bias) = (c.Input(0), c.Input(1), c.Input(2));
        // Running statistics take no gradient (libtorch refuses ones that require it): torch's exports may pass them
        // through Identity nodes from one initializer shared by many layers.
        var (mean, variance) = (c.Input(3).detach(), c.Input(4).detach());
        return nn.functional.batch_norm(x, mean, variance, scale, bias, training: false, eps: c.Float("epsilon", 1e-5f));
    }

    private static Tensor LayerNormalization(NodeContext c)
    {
        if (c.OutputCount > 1)
        {
            throw c.Unsupported("the Mean and InvStdDev outputs");
        }

        var x = c.Input(0);
        var axis = c.Axis(c.Int("axis", -1), x.dim());
        return nn.functional.layer_norm(x, x.shape.Skip((int)axis).ToArray(), c.Input(1), c.Optional(2), c.Float("epsilon", 1e-5f));
    }

    private static Tensor Gemm(NodeContext c)
    {
        var a = c.Int("transA", 0) != 0 ? c.Input(0).t() : c.Input(0);
        var b = c.Int("transB", 0) != 0 ? c.Input(1).t() : c.Input(1);
        if (a.dim() != 2 || b.dim() != 2)
        {
            throw new CamModelException($"The Gemm node '{c.Name}' multiplies [{string.Join(", ", a.shape)}] by [{string.Join(", ", b.shape)}]: Gemm takes matrices.");
        }

        using var alpha = c.Float("alpha", 1).ToScalar();
        using var beta = c.Float("beta", 1).ToScalar();
        var product = MatMul(c, a, b).mul(alpha);
        return c.Optional(2) is { } bias ? product.add(bias, beta) : product;
    }

    private static long[] Repeat(long value, int count) => Enumerable.Repeat(value, count).ToArray();

    /// <summary>The node's padding as ONNX lays it out (all begins, then all ends), from pads or auto_pad.</summary>
    private static long[] Padding(NodeContext c, Tensor x, long[] kernel, long[] strides, long[] dilations)
    {
        var spatial = kernel.Length;
        var autoPad = c.String("auto_pad", "NOTSET");
        switch (autoPad)
        {
            case "NOTSET":
                var pads = c.Ints("pads") ?? Repeat(0, 2 * spatial);
                return pads.Length == 2 * spatial ? pads : throw c.Unsupported($"{pads.Length} pads for {spatial} spatial dimensions");
            case "VALID":
                return Repeat(0, 2 * spatial);
            case "SAME_UPPER" or "SAME_LOWER":
                var result = new long[2 * spatial];
                for (var i = 0; i < spatial; i++)
                {
                    var size = x.shape[2 + i];
                    var output = (size + strides[i] - 1) / strides[i];
                    var total = Math.Max(0, ((output - 1) * strides[i]) + ((kernel[i] - 1) * dilations[i]) + 1 - size);
                    var small = total / 2;
                    (result[i], result[spatial + i]) = autoPad == "SAME_UPPER" ? (small, total - small) : (total - small, small);
                }

                return result;
            default:
                throw c.Unsupported($"auto_pad '{autoPad}'");
        }
    }

    /// <summary>Pads the spatial dimensions by ONNX pads (begins, then ends) with a constant, through torch's pad.</summary>
    private static Tensor PadAll(Tensor x, long[] pads, int spatial, double value)
    {
        // torch's pad lists the last dimension first: (begin, end) pairs from the last dimension back.
        var torchPads = Enumerable.Range(0, spatial).Reverse().SelectMany(i => new[] { pads[i], pads[spatial + i] }).ToArray();
        return nn.functional.pad(x, torchPads, PaddingModes.Constant, value);
    }

    /// <summary>Where begins and ends differ, pads the difference first; returns the input and the symmetric padding left.</summary>
    private static (Tensor Input, long[] Symmetric) PadAsymmetric(Tensor x, long[] pads, int spatial, double value)
    {
        var symmetric = Enumerable.Range(0, spatial).Select(i => Math.Min(pads[i], pads[spatial + i])).ToArray();
        var rest = Enumerable.Range(0, 2 * spatial).Select(i => pads[i] - symmetric[i % spatial]).ToArray();
        return (rest.All(p => p == 0) ? x : PadAll(x, rest, spatial, value), symmetric);
    }
}
