using System;
using TorchSharp;

namespace CamSdk.Internal;

/// <summary>Copies one image of a batch tensor to a plain float array.</summary>
internal static class HostArrays
{
    internal static float[] Flat(torch.Tensor batch, int index, string name)
    {
        ObjectDisposedException.ThrowIf(batch.IsInvalid, batch);
        var count = batch.shape[0];
        if (index < 0 || index >= count)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"The {name} hold {count} image(s): valid indices are 0 to {count - 1}.");
        }

        using var scope = torch.NewDisposeScope();
        return batch[index].to(torch.float32).cpu().contiguous().data<float>().ToArray();
    }

    internal static float[,] Matrix(torch.Tensor batch, int index, string name)
    {
        var flat = Flat(batch, index, name);
        var (rows, columns) = ((int)batch.shape[1], (int)batch.shape[2]);
        var matrix = new float[rows, columns];
        Buffer.BlockCopy(flat, 0, matrix, 0, flat.Length * sizeof(float));
        return matrix;
    }

    internal static float[,,] Cube(torch.Tensor batch, int index, string name)
    {
        var flat = Flat(batch, index, name);
        var cube = new float[(int)batch.shape[1], (int)batch.shape[2], (int)batch.shape[3]];
        Buffer.BlockCopy(flat, 0, cube, 0, flat.Length * sizeof(float));
        return cube;
    }

    /// <summary>A new map of the same shape, each value transformed.</summary>
    internal static TOut[,] Select<TIn, TOut>(TIn[,] map, Func<TIn, TOut> each)
    {
        var result = new TOut[map.GetLength(0), map.GetLength(1)];
        for (var r = 0; r < map.GetLength(0); r++)
        {
            for (var c = 0; c < map.GetLength(1); c++)
            {
                result[r, c] = each(map[r, c]);
            }
        }

        return result;
    }

    internal static float[] Vector(torch.Tensor values)
    {
        ObjectDisposedException.ThrowIf(values.IsInvalid, values);
        using var scope = torch.NewDisposeScope();
        return values.to(torch.float32).cpu().contiguous().data<float>().ToArray();
    }
}
