using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using TorchSharp;
using TorchSharp.PyBridge;

namespace CamSdk.Models;

/// <summary>
/// Reads TorchSharp's own weights format (what <c>Module.save</c> and <c>exportsd.py</c> write): an entry count, then each
/// key and tensor, walked in managed code before TorchSharp allocates what a (corrupt) file declares.
/// </summary>
internal static class TorchSharpWeightsReader
{
    /// <summary>
    /// TorchSharp's format: an entry count, then each key and tensor, read with TorchSharp's own readers once the whole
    /// file has been walked in managed code: TorchSharp allocates whatever element type and shape a (corrupt) file
    /// declares, which can crash the process.
    /// </summary>
    internal static Dictionary<string, torch.Tensor> Read(string path)
    {
        ValidateTorchSharp(path);
        using var stream = File.OpenRead(path);
        using var reader = new BinaryReader(stream);
        var count = ReadLeb128(reader);
        var state = new Dictionary<string, torch.Tensor>(StringComparer.Ordinal);
        for (long i = 0; i < count; i++)
        {
            var key = reader.ReadString();
            state[key] = TensorExtensionMethods.Load(reader);
        }

        if (stream.Position != stream.Length)
        {
            throw new CamWeightsException($"'{path}' has {stream.Length - stream.Position} bytes after its {count} tensors: it is not a TorchSharp weights file, or it is corrupt.");
        }

        return state;
    }

    /// <summary>The element types a TorchSharp weights file may hold, with their sizes in bytes.</summary>
    private static readonly Dictionary<torch.ScalarType, int> ElementSizes = new()
    {
        [torch.ScalarType.Byte] = 1, [torch.ScalarType.Int8] = 1, [torch.ScalarType.Bool] = 1,
        [torch.ScalarType.Int16] = 2, [torch.ScalarType.Float16] = 2, [torch.ScalarType.BFloat16] = 2,
        [torch.ScalarType.Int32] = 4, [torch.ScalarType.Float32] = 4,
        [torch.ScalarType.Int64] = 8, [torch.ScalarType.Float64] = 8,
    };

    /// <summary>Walks every entry of a TorchSharp weights file: a printable key, a known element type, a shape of at most 16 dimensions whose data lies inside the file.</summary>
    private static void ValidateTorchSharp(string path)
    {
        using var stream = File.OpenRead(path);
        using var reader = new BinaryReader(stream);
        string Corrupt(string reason) => $"'{path}' is not a valid TorchSharp weights file: {reason}. It is truncated or corrupt: save it again.";
        try
        {
            var count = ReadLeb128(reader);
            for (long i = 0; i < count; i++)
            {
                var keyLength = ReadLeb128(reader);
                if (keyLength is < 1 or > 4096 || stream.Position + keyLength > stream.Length)
                {
                    throw new CamWeightsException(Corrupt($"entry {i + 1} has a key of {keyLength} bytes"));
                }

                stream.Seek(keyLength, SeekOrigin.Current);
                var type = (torch.ScalarType)ReadLeb128(reader);
                if (!ElementSizes.TryGetValue(type, out var size))
                {
                    throw new CamWeightsException(Corrupt($"entry {i + 1} has the element type {(long)type}, which is not one weights use"));
                }

                var rank = ReadLeb128(reader);
                if (rank is < 0 or > 16)
                {
                    throw new CamWeightsException(Corrupt($"entry {i + 1} has {rank} dimensions"));
                }

                var bytes = (long)size;
                for (long d = 0; d < rank; d++)
                {
                    var dimension = ReadLeb128(reader);
                    if (dimension < 0 || (dimension > 0 && bytes > stream.Length / dimension))
                    {
                        throw new CamWeightsException(Corrupt($"entry {i + 1} declares more data than the file holds"));
                    }

                    bytes *= dimension;
                }

                if (stream.Position + bytes > stream.Length)
                {
                    throw new CamWeightsException(Corrupt($"entry {i + 1} declares {bytes:N0} bytes of data but {stream.Length - stream.Position:N0} remain"));
                }

                stream.Seek(bytes, SeekOrigin.Current);
            }
        }
        catch (EndOfStreamException)
        {
            throw new CamWeightsException(Corrupt("it ends inside an entry"));
        }
    }

    /// <summary>
    /// TorchSharp's format has no magic number: check that the file starts with an entry count and a whole first
    /// entry (a printable key, a known element type, a plausible shape, and its data inside the file).
    /// </summary>
    internal static bool Recognises(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            using var reader = new BinaryReader(stream);
            var count = ReadLeb128(reader);
            var keyLength = ReadLeb128(reader);
            if (count is < 1 or > 1_000_000 || keyLength is < 1 or > 1024 || stream.Position + keyLength > stream.Length)
            {
                return false;
            }

            var key = reader.ReadBytes((int)keyLength);
            var type = ReadLeb128(reader);
            var rank = ReadLeb128(reader);
            if (!key.All(b => b is > 0x20 and < 0x7f) || !Enum.IsDefined((torch.ScalarType)type) || rank > 16)
            {
                return false;
            }

            long elements = 1;
            for (long i = 0; i < rank; i++)
            {
                elements *= ReadLeb128(reader);
            }

            return stream.Position + elements <= stream.Length;
        }
        catch (EndOfStreamException)
        {
            return false;
        }
    }

    /// <summary>The unsigned LEB128 integer TorchSharp writes (its own decoder is internal).</summary>
    private static long ReadLeb128(BinaryReader reader)
    {
        long result = 0;
        for (int shift = 0; ; shift += 7)
        {
            if (shift > 56)
            {
                throw new EndOfStreamException("A LEB128 number longer than 64 bits.");
            }

            var b = reader.ReadByte();
            result |= (long)(b & 0x7f) << shift;
            if ((b & 0x80) == 0)
            {
                return result;
            }
        }
    }
}
