using System;
using System.Linq;
using CamSdk.Internal;
using CamSdk.Onnx.Graph;
using TorchSharp;
using static TorchSharp.torch;

namespace CamSdk.Onnx.Operators;

/// <summary>Operators that move, cut, join and measure tensors.</summary>
internal static partial class Operators
{
    private static Tensor Flatten(NodeContext c)
    {
        var x = c.Input(0);
        var axis = c.Int("axis", 1);
        axis = axis < 0 ? axis + x.dim() : axis;
        if (axis < 0 || axis > x.dim())
        {
            throw new CamModelException($"The Flatten node '{c.Name}' names axis {c.Int("axis", 1)} of a tensor of rank {x.dim()}.");
        }

        var rows = x.shape.Take((int)axis).Aggregate(1L, (a, d) => a * d);
        var columns = x.shape.Skip((int)axis).Aggregate(1L, (a, d) => a * d);
        return x.reshape(rows, columns);
    }

    private static Tensor Reshape(NodeContext c)
    {
        var x = c.Input(0);
        var shape = (c.Opset >= 5 ? c.Longs(1) : c.Ints("shape")) ?? throw c.Unsupported("no shape");
        var allowZero = c.Int("allowzero", 0) != 0;
        // 0 copies the input's dimension at that position (unless allowzero); -1 is inferred, as torch infers it.
        var target = shape.Select((d, i) => d == 0 && !allowZero ? x.shape[i] : d).ToArray();
        return x.reshape(target);
    }

    private static Tensor Transpose(NodeContext c)
    {
        var x = c.Input(0);
        var perm = c.Ints("perm") ?? [.. Enumerable.Range(0, (int)x.dim()).Reverse().Select(i => (long)i)];
        return x.permute(perm);
    }

    private static Tensor[] Split(NodeContext c)
    {
        var x = c.Input(0);
        var axis = c.Axis(c.Int("axis", 0), x.dim());
        var sizes = c.Opset >= 13 ? c.Longs(1) : c.Ints("split");
        if (sizes is null)
        {
            // Equal parts, the last smaller where the axis does not divide (opset 18's num_outputs).
            var parts = c.OutputCount;
            var size = (x.shape[axis] + parts - 1) / parts;
            sizes = [.. Enumerable.Range(0, parts).Select(i => Math.Max(0, Math.Min(size, x.shape[axis] - (i * size))))];
        }

        return x.split(sizes, axis);
    }

    private static Tensor Slice(NodeContext c)
    {
        var x = c.Input(0);
        long[] starts, ends;
        long[]? axes, steps = null;
        if (c.Opset >= 10)
        {
            (starts, ends, axes, steps) = (c.Longs(1)!, c.Longs(2)!, c.Longs(3), c.Longs(4));
        }
        else
        {
            (starts, ends, axes) = (c.Ints("starts")!, c.Ints("ends")!, c.Ints("axes"));
        }

        axes ??= [.. Enumerable.Range(0, starts.Length).Select(i => (long)i)];
        steps ??= Repeat(1, starts.Length);
        var result = x;
        for (var i = 0; i < axes.Length; i++)
        {
            var axis = c.Axis(axes[i], x.dim());
            var size = x.shape[axis];
            var step = steps[i];
            if (step == 0)
            {
                throw new CamModelException($"The Slice node '{c.Name}' has a step of 0.");
            }

            // ONNX clamps starts and ends into the dimension (ends may be ±2^63-1 for "to the end").
            var start = Clamp(starts[i] < 0 ? starts[i] + size : starts[i], 0, step > 0 ? size : size - 1);
            var end = Clamp(ends[i] < 0 ? ends[i] + size : ends[i], step > 0 ? 0 : -1, step > 0 ? size : size - 1);
            if (step > 0)
            {
                result = result.slice(axis, start, Math.Max(start, end), step);
            }
            else
            {
                var count = Math.Max(0, (start - end + (-step) - 1) / -step);
                using var from = start.ToScalar();
                using var to = (start - (count * -step)).ToScalar();
                using var by = step.ToScalar();
                using var indices = arange(from, to, by, int64, result.device);
                result = result.index_select(axis, indices);
            }
        }

        return result;
    }

    private static long Clamp(long value, long low, long high) => Math.Max(low, Math.Min(high, value));

    private static Tensor Squeeze(NodeContext c)
    {
        var x = c.Input(0);
        var axes = c.Opset >= 13 ? c.Longs(1) : c.Ints("axes");
        if (axes is null || axes.Length == 0)
        {
            return x.reshape([.. x.shape.Where(d => d != 1)]);
        }

        var drop = axes.Select(a => c.Axis(a, x.dim())).ToHashSet();
        return x.reshape([.. x.shape.Where((_, i) => !drop.Contains(i))]);
    }

    private static Tensor Unsqueeze(NodeContext c)
    {
        var x = c.Input(0);
        var axes = (c.Opset >= 13 ? c.Longs(1) : c.Ints("axes")) ?? throw c.Unsupported("no axes");
        var rank = x.dim() + axes.Length;
        var inserted = axes.Select(a => c.Axis(a, rank)).ToHashSet();
        var shape = new long[rank];
        var source = 0;
        for (var i = 0; i < rank; i++)
        {
            shape[i] = inserted.Contains(i) ? 1 : x.shape[source++];
        }

        return x.reshape(shape);
    }

    private static Tensor Shape(NodeContext c)
    {
        var x = c.Input(0);
        var rank = x.dim();
        var start = c.Int("start", 0);
        var end = c.Int("end", rank);
        start = Clamp(start < 0 ? start + rank : start, 0, rank);
        end = Clamp(end < 0 ? end + rank : end, 0, rank);
        // Shapes stay on the host: they are read there by the operators that use them.
        return tensor(x.shape.Skip((int)start).Take((int)Math.Max(0, end - start)).ToArray(), int64);
    }

    private static Tensor Gather(NodeContext c)
    {
        var (x, indices) = (c.Input(0), c.Input(1));
        var axis = c.Axis(c.Int("axis", 0), x.dim());
        var size = x.shape[axis];
        var flat = Wrapped(indices.to(int64).flatten(), size).to(x.device);
        var picked = x.index_select(axis, flat);
        var shape = x.shape.Take((int)axis).Concat(indices.shape).Concat(x.shape.Skip((int)axis + 1)).ToArray();
        return picked.reshape(shape);
    }

    private static Tensor Expand(NodeContext c)
    {
        var x = c.Input(0);
        var shape = c.Longs(1)!;
        // ONNX broadcasts both ways (a 1 in the shape keeps the input's dimension), unlike torch's expand.
        var rank = Math.Max(x.dim(), shape.Length);
        var input = x.shape.Reverse().Concat(Enumerable.Repeat(1L, (int)rank - (int)x.dim())).Reverse().ToArray();
        var wanted = shape.Reverse().Concat(Enumerable.Repeat(1L, (int)rank - shape.Length)).Reverse().ToArray();
        var target = input.Zip(wanted, (a, b) => a == 1 ? b : b == 1 ? a : a == b ? a : throw new CamModelException($"The Expand node '{c.Name}' cannot broadcast [{string.Join(", ", x.shape)}] to [{string.Join(", ", shape)}].")).ToArray();
        return x.reshape(input).expand(c.Allocation(target));
    }

    private static Tensor Range(NodeContext c)
    {
        var (start, limit, delta) = (c.Input(0), c.Input(1), c.Input(2));
        if (start.is_floating_point())
        {
            // Read as float32 whatever the model's precision (a model moved to float64 has double bounds); the output keeps it.
            var (s, l, d) = (c.Scalar(0)!.Value, c.Scalar(1)!.Value, c.Scalar(2)!.Value);
            var count = Math.Max(0, (long)Math.Ceiling((l - s) / d));
            c.Allocation([count]);
            using var from = s.ToScalar();
            using var to = (s + (count * d)).ToScalar();
            using var by = d.ToScalar();
            return arange(from, to, by, start.dtype, start.device)[..(int)count];
        }

        var (first, end, step) = (start.to(int64).item<long>(), limit.to(int64).item<long>(), delta.to(int64).item<long>());
        if (step == 0)
        {
            throw new CamModelException($"The Range node '{c.Name}' has a step of 0.");
        }

        c.Allocation([Math.Max(0, (end - first + step - Math.Sign(step)) / step)]);
        using var firstScalar = first.ToScalar();
        using var endScalar = end.ToScalar();
        using var stepScalar = step.ToScalar();
        return arange(firstScalar, endScalar, stepScalar, int64, start.device);
    }

    private static Tensor ScatterND(NodeContext c)
    {
        if (c.String("reduction", "none") != "none")
        {
            throw c.Unsupported($"reduction '{c.String("reduction", "none")}'");
        }

        var (data, indices, updates) = (c.Input(0), c.Input(1).to(int64), c.Input(2));
        var depth = indices.shape[^1];
        if (depth < 1 || depth > data.dim())
        {
            throw new CamModelException($"The ScatterND node '{c.Name}' has indices of depth {depth} into a tensor of rank {data.dim()}.");
        }

        // Each index tuple picks a slice of the data; out[tuple] = updates[...], as index_put with one tensor per axis.
        var flat = indices.reshape(-1, depth).to(data.device);
        var axes = Enumerable.Range(0, (int)depth).Select(i =>
        {
            return (TensorIndex)TensorIndex.Tensor(Wrapped(flat[.., i], data.shape[i]));
        }).ToArray();
        var values = updates.reshape([flat.shape[0], .. data.shape.Skip((int)depth)]);
        return data.clone().index_put_(values, axes);
    }

    /// <summary>Indices counted from the end where negative (ONNX's Gather and ScatterND), made non-negative.</summary>
    private static Tensor Wrapped(Tensor indices, long size)
    {
        using var length = size.ToScalar();
        return where(indices.lt(Scalars.Of(0)), indices.Plus(length), indices);
    }

    private static Tensor ConstantOfShape(NodeContext c)
    {
        var shape = c.Allocation(c.Longs(0)!);
        if (c.Attribute("value") is { T: { } proto })
        {
            using var value = OnnxTensors.ToTensor(proto, $"value of the ConstantOfShape node '{c.Name}'");
            using var fill = value.reshape(-1)[0].ToScalar();
            return full(shape, fill, value.dtype);
        }

        return zeros(shape, float32);
    }

    private static Tensor Pad(NodeContext c)
    {
        var x = c.Input(0);
        var mode = c.String("mode", "constant");
        var pads = (c.Opset >= 11 ? c.Longs(1) : c.Ints("pads")) ?? throw c.Unsupported("no pads");
        var value = c.Opset >= 11 ? c.Scalar(2) ?? 0 : c.Float("value", 0);
        var rank = (int)x.dim();
        var axes = c.Opset >= 18 && c.Longs(3) is { } given ? given.Select(a => c.Axis(a, rank)).ToArray() : [.. Enumerable.Range(0, rank).Select(i => (long)i)];
        var begins = new long[rank];
        var ends = new long[rank];
        for (var i = 0; i < axes.Length; i++)
        {
            (begins[axes[i]], ends[axes[i]]) = (pads[i], pads[axes.Length + i]);
        }

        c.Allocation([.. x.shape.Select((d, i) => d + begins[i] + ends[i])]);
        var first = Array.FindIndex(Enumerable.Range(0, rank).ToArray(), i => begins[i] != 0 || ends[i] != 0);
        if (first < 0)
        {
            return x.alias();
        }

        // torch pads from the last dimension back; its reflect and replicate modes pad only the trailing dimensions.
        var torchPads = Enumerable.Range(first, rank - first).Reverse().SelectMany(i => new[] { begins[i], ends[i] }).ToArray();
        return mode switch
        {
            "constant" => nn.functional.pad(x, torchPads, PaddingModes.Constant, value),
            "reflect" when first >= 2 => nn.functional.pad(x, torchPads, PaddingModes.Reflect),
            "edge" when first >= 2 => nn.functional.pad(x, torchPads, PaddingModes.Replicate),
            _ => throw c.Unsupported($"{mode} padding of dimension {first}"),
        };
    }

    private static Tensor Resize(NodeContext c)
    {
        var x = c.Input(0);
        var mode = c.String("mode", "nearest");
        var transform = c.String("coordinate_transformation_mode", "half_pixel");
        long[]? sizes = c.Opset >= 11 ? c.Longs(3) : null;
        var scalesIndex = c.Opset >= 11 ? 2 : 1;
        var scales = c.Floats(scalesIndex) is { Length: > 0 } s ? s : null;
        return Interpolate(c, x, mode, transform, c.String("nearest_mode", "round_prefer_floor"), sizes, scales);
    }

    private static Tensor Upsample(NodeContext c)
    {
        var x = c.Input(0);
        var scales = c.Opset >= 9 ? c.Floats(1) : c.Floats("scales");
        // Upsample rescales coordinates as Resize's "asymmetric" mode, rounding down for nearest.
        return Interpolate(c, x, c.String("mode", "nearest"), "asymmetric", "floor", null, scales);
    }

    private static Tensor Interpolate(NodeContext c, Tensor x, string mode, string transform, string nearestMode, long[]? sizes, float[]? scales)
    {
        if (x.dim() != 4)
        {
            throw c.Unsupported($"a resize of a {x.dim()}-D tensor");
        }

        var output = sizes is { Length: 4 }
            ? sizes
            : scales is { Length: 4 }
                ? [.. x.shape.Zip(scales, (d, f) => (long)Math.Floor(d * f))]
                : throw c.Unsupported("a resize with neither 4 sizes nor 4 scales");
        if (output[0] != x.shape[0] || output[1] != x.shape[1])
        {
            throw c.Unsupported("a resize of the batch or channel dimension");
        }

        var size = c.Allocation(output)[2..];
        switch (mode, transform)
        {
            case ("nearest", "asymmetric") when nearestMode == "floor":
                return nn.functional.interpolate(x, size, mode: InterpolationMode.Nearest);
            case ("linear", "align_corners"):
                return nn.functional.interpolate(x, size, mode: InterpolationMode.Bilinear, align_corners: true);
            case ("linear", "half_pixel" or "pytorch_half_pixel"):
                return nn.functional.interpolate(x, size, mode: InterpolationMode.Bilinear, align_corners: false);
            default:
                throw c.Unsupported($"mode '{mode}' with coordinate_transformation_mode '{transform}' (nearest_mode '{nearestMode}')");
        }
    }
}
