using System;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CamSdk.Models;

/// <summary>
/// Swin's <c>ShiftedWindowAttention</c>: multi-head self-attention within windows of an N×H×W×C map (shifted by half a
/// window in every other block, with torchvision's mask), with a learned relative position bias; torchvision's
/// <c>shifted_window_attention</c> step by step.
/// </summary>
internal sealed class ShiftedWindowAttention : nn.Module<Tensor, Tensor>
{
    private readonly Linear qkv;
    private readonly Linear proj;
    private readonly Parameter relative_position_bias_table;
    private readonly Tensor relative_position_index;
    private readonly long _window;
    private readonly long _shift;
    private readonly long _heads;

    internal ShiftedWindowAttention(long dim, long window, long shift, long heads) : base("ShiftedWindowAttention")
    {
        (_window, _shift, _heads) = (window, shift, heads);
        qkv = nn.Linear(dim, dim * 3);
        proj = nn.Linear(dim, dim);
        relative_position_bias_table = new Parameter(zeros(((2 * window) - 1) * ((2 * window) - 1), heads));
        using (no_grad())
        {
            ZooLayers.TruncatedNormal(relative_position_bias_table, 0.02);
        }

        // For each pair of positions (i, j) in a window: (Δrow + w - 1) · (2w - 1) + (Δcolumn + w - 1).
        var index = new long[window * window * window * window];
        for (long i = 0; i < window * window; i++)
        {
            for (long j = 0; j < window * window; j++)
            {
                index[(i * window * window) + j] = ((i / window) - (j / window) + window - 1) * ((2 * window) - 1) + ((i % window) - (j % window) + window - 1);
            }
        }

        relative_position_index = tensor(index);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var (b, h, w, c) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3]);
        var padRight = (_window - (w % _window)) % _window;
        var padBottom = (_window - (h % _window)) % _window;
        var x = nn.functional.pad(input, [0, 0, 0, padRight, 0, padBottom]);
        var (paddedH, paddedW) = (x.shape[1], x.shape[2]);
        var shiftH = _window >= paddedH ? 0 : _shift;
        var shiftW = _window >= paddedW ? 0 : _shift;
        if (shiftH + shiftW > 0)
        {
            x = x.roll([-shiftH, -shiftW], [1, 2]);
        }

        var windows = (paddedH / _window) * (paddedW / _window);
        var size = _window * _window;
        x = x.view(b, paddedH / _window, _window, paddedW / _window, _window, c).permute(0, 1, 3, 2, 4, 5).reshape(b * windows, size, c);

        var parts = qkv.call(x).reshape(x.shape[0], size, 3, _heads, c / _heads).permute(2, 0, 3, 1, 4);
        var (q, k, v) = (parts[0], parts[1], parts[2]);
        using var scale = Math.Pow(c / _heads, -0.5).ToScalar();
        var bias = relative_position_bias_table.index_select(0, relative_position_index).view(size, size, -1).permute(2, 0, 1).contiguous().unsqueeze(0);
        var attention = q.mul(scale).matmul(k.transpose(-2, -1)).add(bias, CamSdk.Internal.Scalars.Of(1));
        if (shiftH + shiftW > 0)
        {
            var mask = Mask(paddedH, paddedW, shiftH, shiftW, attention.device).to_type(attention.dtype);
            attention = attention.view(b, windows, _heads, size, size).add(mask.unsqueeze(1).unsqueeze(0), CamSdk.Internal.Scalars.Of(1)).view(-1, _heads, size, size);
        }

        x = attention.softmax(-1).matmul(v).transpose(1, 2).reshape(x.shape[0], size, c);
        x = proj.call(x);
        x = x.view(b, paddedH / _window, paddedW / _window, _window, _window, c).permute(0, 1, 3, 2, 4, 5).reshape(b, paddedH, paddedW, c);
        if (shiftH + shiftW > 0)
        {
            x = x.roll([shiftH, shiftW], [1, 2]);
        }

        return x[.., ..(int)h, ..(int)w, ..].contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// torchvision's attention mask of shifted windows: -100 between positions from different regions of the rolled map, 0
    /// within one; computed on the attention's device (no host array copied there in every forward).
    /// </summary>
    private Tensor Mask(long paddedH, long paddedW, long shiftH, long shiftW, Device device)
    {
        // torchvision's slices (0, -w), (-w, -s), (-s, None) along each axis: region 0, 1, 2; with s = 0 one region.
        Tensor Regions(long length, long shift)
        {
            using var end = length.ToScalar();
            var position = arange(CamSdk.Internal.Scalars.Of(0), end, CamSdk.Internal.Scalars.Of(1), dtype: ScalarType.Int64, device: device);
            if (shift == 0)
            {
                return zeros_like(position);
            }

            using var windowStart = (length - _window).ToScalar();
            using var shiftStart = (length - shift).ToScalar();
            return position.ge(windowStart).to_type(ScalarType.Int64).add(position.ge(shiftStart).to_type(ScalarType.Int64), CamSdk.Internal.Scalars.Of(1));
        }

        var windows = (paddedH / _window) * (paddedW / _window);
        using var rows = Regions(paddedH, shiftH);
        using var columns = Regions(paddedW, shiftW);
        using var three = 3L.ToScalar();
        using var regions = rows.mul(three).unsqueeze(1).add(columns.unsqueeze(0), CamSdk.Internal.Scalars.Of(1)).to_type(ScalarType.Float32);
        using var map = regions.view(paddedH / _window, _window, paddedW / _window, _window).permute(0, 2, 1, 3).reshape(windows, _window * _window);
        using var difference = map.unsqueeze(1).sub(map.unsqueeze(2));
        using var different = difference.ne(CamSdk.Internal.Scalars.Of(0));
        return zeros_like(difference).masked_fill(different, CamSdk.Internal.Scalars.Of(-100.0));
    }
}
