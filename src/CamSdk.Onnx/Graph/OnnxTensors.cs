using System;
using System.Linq;
using System.Runtime.InteropServices;
using CamSdk.Onnx.Protobuf;
using static TorchSharp.torch;

namespace CamSdk.Onnx.Graph;

/// <summary>ONNX's <c>TensorProto</c> to TorchSharp tensors, checked against what it declares.</summary>
internal static class OnnxTensors
{
    /// <summary>The element types the importer takes, with their ONNX names.</summary>
    internal static readonly (TensorProto.Types.DataType Type, string Name)[] Supported =
    [
        (TensorProto.Types.DataType.Float, "float32"),
        (TensorProto.Types.DataType.Double, "float64 (converted to float32)"),
        (TensorProto.Types.DataType.Int64, "int64"),
        (TensorProto.Types.DataType.Int32, "int32 (converted to int64)"),
        (TensorProto.Types.DataType.Bool, "bool"),
    ];

    /// <summary>The ONNX name of an element type, for messages.</summary>
    internal static string NameOf(int dataType) =>
        Enum.IsDefined(typeof(TensorProto.Types.DataType), dataType) ? ((TensorProto.Types.DataType)dataType).ToString().ToUpperInvariant() : $"data type {dataType}";

    /// <summary>
    /// The tensor a <c>TensorProto</c> holds, on the CPU: float32 for floating-point data, int64 for integers, bool.
    /// </summary>
    /// <param name="proto">The tensor.</param>
    /// <param name="where">Where it is, for messages (e.g. "initializer 'fc.weight'").</param>
    /// <param name="folder">The model's folder, where data kept in external files is found; null for a model read from a stream.</param>
    /// <exception cref="CamModelException">An element type the importer does not take, or external data without the model's folder.</exception>
    /// <exception cref="CamWeightsException">The data does not match the declared shape.</exception>
    internal static Tensor ToTensor(TensorProto proto, string where, string? folder = null)
    {
        var dims = proto.Dims.ToArray();
        if (dims.Any(d => d < 0))
        {
            throw new CamWeightsException($"The {where} declares a negative dimension [{string.Join(", ", dims)}]: the file is damaged.");
        }

        long count;
        try
        {
            count = dims.Aggregate(1L, (a, d) => checked(a * d));
        }
        catch (OverflowException)
        {
            throw new CamWeightsException($"The {where} declares the shape [{string.Join(", ", dims)}], whose size overflows: the file is damaged.");
        }

        var size = (TensorProto.Types.DataType)proto.DataType switch
        {
            TensorProto.Types.DataType.Float or TensorProto.Types.DataType.Int32 => 4,
            TensorProto.Types.DataType.Double or TensorProto.Types.DataType.Int64 => 8,
            TensorProto.Types.DataType.Bool => 1,
            _ => throw new CamModelException(
                $"The {where} holds {NameOf(proto.DataType)} elements, which CamSdk's ONNX importer does not take; it takes {string.Join(", ", Supported.Select(s => s.Name))}."),
        };
        var external = proto.DataLocation == TensorProto.Types.DataLocation.External || proto.ExternalData.Count > 0;
        if (external && count > Array.MaxLength / size)
        {
            throw new CamWeightsException($"The {where} declares the shape [{string.Join(", ", dims)}], more than 2 GB in one tensor: the file is damaged, or the model is larger than CamSdk can hold.");
        }

        ReadOnlySpan<byte> raw = external ? ExternalData.Read(proto, folder, count * size, where) : proto.RawData.Span;
        switch ((TensorProto.Types.DataType)proto.DataType)
        {
            case TensorProto.Types.DataType.Float:
                return From(raw.Length > 0 ? Cast<float>(raw, count, 4, where) : Check(proto.FloatData.ToArray(), count, where), dims);
            case TensorProto.Types.DataType.Double:
                var doubles = raw.Length > 0 ? Cast<double>(raw, count, 8, where) : Check(proto.DoubleData.ToArray(), count, where);
                return From(doubles.Select(d => (float)d).ToArray(), dims);
            case TensorProto.Types.DataType.Int64:
                return From(raw.Length > 0 ? Cast<long>(raw, count, 8, where) : Check(proto.Int64Data.ToArray(), count, where), dims);
            case TensorProto.Types.DataType.Int32:
                var ints = raw.Length > 0 ? Cast<int>(raw, count, 4, where) : Check(proto.Int32Data.ToArray(), count, where);
                return From(ints.Select(i => (long)i).ToArray(), dims);
            case TensorProto.Types.DataType.Bool:
                var bytes = raw.Length > 0 ? Cast<byte>(raw, count, 1, where) : Check(proto.Int32Data.Select(i => (byte)i).ToArray(), count, where);
                return From(bytes.Select(b => b != 0).ToArray(), dims);
            default:
                throw new InvalidOperationException($"Unreachable: element type {proto.DataType} was accepted above.");
        }
    }

    private static T[] Cast<T>(ReadOnlySpan<byte> raw, long count, int size, string where)
        where T : struct
    {
        if (raw.Length != count * size)
        {
            throw new CamWeightsException(
                $"The {where} declares {count} elements ({count * size} bytes) but holds {raw.Length} bytes: the file is damaged or truncated.");
        }

        // ONNX stores raw data little-endian, as every platform TorchSharp runs on.
        return MemoryMarshal.Cast<byte, T>(raw).ToArray();
    }

    private static T[] Check<T>(T[] values, long count, string where)
    {
        if (values.LongLength != count)
        {
            throw new CamWeightsException($"The {where} declares {count} elements but holds {values.Length}: the file is damaged or truncated.");
        }

        return values;
    }

    private static Tensor From(float[] values, long[] dims) => tensor(values, dims);

    private static Tensor From(long[] values, long[] dims) => tensor(values, dims);

    private static Tensor From(bool[] values, long[] dims) => tensor(values, dims);
}
