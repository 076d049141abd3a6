using System;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using TorchSharp;

namespace CamSdk.Cli;

/// <summary>
/// NumPy's <c>.npy</c> format (version 1.0): what <c>numpy.save</c> writes and <c>numpy.load</c> reads, so that
/// arrays can be compared with Python tools. Little-endian float32/float64, C order.
/// </summary>
internal static partial class Npy
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    internal static void Write(string path, torch.Tensor tensor)
    {
        using var scope = torch.NewDisposeScope();
        var data = tensor.detach().to(torch.float32).cpu().contiguous().data<float>().ToArray();
        var shape = tensor.shape.Length == 1 ? $"({tensor.shape[0]},)" : "(" + string.Join(", ", tensor.shape) + ")";
        var header = $"{{'descr': '<f4', 'fortran_order': False, 'shape': {shape}, }}";
        // The header, with its 10-byte preamble, is padded with spaces to a multiple of 64 bytes and ends with '\n'.
        var total = (10 + header.Length + 1 + 63) / 64 * 64;
        header = header.PadRight(total - 10 - 1) + "\n";

        using var stream = File.Create(path);
        using var writer = new BinaryWriter(stream);
        writer.Write(Magic);
        writer.Write((byte)1);
        writer.Write((byte)0);
        writer.Write((ushort)header.Length);
        writer.Write(Encoding.ASCII.GetBytes(header));
        var bytes = new byte[data.Length * sizeof(float)];
        Buffer.BlockCopy(data, 0, bytes, 0, bytes.Length);
        writer.Write(bytes);
    }

    internal static torch.Tensor Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 10 || !bytes.AsSpan(0, 6).SequenceEqual(Magic))
        {
            throw new CamException($"'{path}' is not a NumPy .npy file (it lacks the \\x93NUMPY magic). Write it with numpy.save(path, array).");
        }

        var major = bytes[6];
        var headerLength = major == 1 ? BitConverter.ToUInt16(bytes, 8) : (int)BitConverter.ToUInt32(bytes, 8);
        var offset = major == 1 ? 10 : 12;
        var header = Encoding.ASCII.GetString(bytes, offset, headerLength);
        var descr = DescrPattern().Match(header).Groups[1].Value;
        var fortran = header.Contains("'fortran_order': True", StringComparison.Ordinal);
        var shapeText = ShapePattern().Match(header).Groups[1].Value;
        var shape = shapeText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(long.Parse).ToArray();
        if (fortran || descr is not ("<f4" or "<f8"))
        {
            throw new CamException(
                $"'{path}' holds a {(fortran ? "Fortran-ordered " : string.Empty)}'{descr}' array; camsdk reads C-ordered float32 ('<f4') or float64 ('<f8'). " +
                "Save it with numpy.save(path, np.ascontiguousarray(array, dtype=np.float32)).");
        }

        var elements = shape.Aggregate(1L, (a, b) => a * b);
        var itemSize = descr == "<f4" ? 4 : 8;
        var dataOffset = offset + headerLength;
        if (bytes.Length - dataOffset != elements * itemSize)
        {
            throw new CamException($"'{path}' should hold {elements} values of {itemSize} bytes after its header but has {bytes.Length - dataOffset} bytes: it is truncated or corrupt.");
        }

        if (itemSize == 4)
        {
            var values = new float[elements];
            Buffer.BlockCopy(bytes, dataOffset, values, 0, (int)(elements * 4));
            return torch.tensor(values).reshape(shape);
        }

        var doubles = new double[elements];
        Buffer.BlockCopy(bytes, dataOffset, doubles, 0, (int)(elements * 8));
        using var wide = torch.tensor(doubles).reshape(shape);
        return wide.to(torch.float32);
    }

    [GeneratedRegex(@"'descr':\s*'([^']+)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'shape':\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
