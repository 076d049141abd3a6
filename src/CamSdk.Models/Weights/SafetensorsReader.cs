using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using TorchSharp;
using TorchSharp.PyBridge;

namespace CamSdk.Models;

/// <summary>Reads safetensors files after checking their header against the format's rules.</summary>
internal static class SafetensorsReader
{
    /// <summary>
    /// Reads a safetensors file after checking its header against the format's rules, which TorchSharp.PyBridge does not
    /// check (a negative or out-of-range offset would read the header's own bytes as weights): an 8-byte length within
    /// the file, a JSON object, and for each tensor a known dtype, a shape and data offsets that lie inside the data and
    /// hold exactly the shape's bytes.
    /// </summary>
    internal static Dictionary<string, torch.Tensor> Read(string path)
    {
        long length;
        ulong headerLength;
        byte[] header;
        // The stream's length is the file's, also through a symbolic link (a FileInfo's would be the link's own).
        using (var stream = File.OpenRead(path))
        using (var reader = new BinaryReader(stream))
        {
            length = stream.Length;
            headerLength = reader.ReadUInt64();
            if (headerLength > (ulong)(length - 8) || headerLength > 100_000_000)
            {
                throw BadSafetensors(path, $"its header claims {headerLength:N0} bytes but the file has {length - 8:N0} after the length");
            }

            header = reader.ReadBytes((int)headerLength);
        }

        var dataLength = length - 8 - (long)headerLength;
        JsonElement root;
        try
        {
            root = JsonDocument.Parse(header).RootElement;
        }
        catch (JsonException e)
        {
            throw BadSafetensors(path, $"its header is not valid JSON ({e.Message})");
        }

        if (root.ValueKind != JsonValueKind.Object)
        {
            throw BadSafetensors(path, "its header is not a JSON object");
        }

        var ranges = new List<(long Begin, long End, string Name)>();
        foreach (var entry in root.EnumerateObject().Where(e => e.Name != "__metadata__"))
        {
            var name = entry.Name;
            var value = entry.Value;
            if (value.ValueKind != JsonValueKind.Object
                || !value.TryGetProperty("dtype", out var dtype) || dtype.ValueKind != JsonValueKind.String
                || !value.TryGetProperty("shape", out var shape) || shape.ValueKind != JsonValueKind.Array
                || !value.TryGetProperty("data_offsets", out var offsets) || offsets.ValueKind != JsonValueKind.Array || offsets.GetArrayLength() != 2)
            {
                throw BadSafetensors(path, $"its entry '{name}' lacks a dtype, a shape or two data offsets");
            }

            var size = dtype.GetString() switch
            {
                "F64" or "I64" or "U64" => 8,
                "F32" or "I32" or "U32" => 4,
                "F16" or "BF16" or "I16" or "U16" => 2,
                "I8" or "U8" or "BOOL" => 1,
                var other => throw BadSafetensors(path, $"its entry '{name}' has the dtype '{other}', which CamSdk does not read"),
            };
            long elements = 1;
            foreach (var dimension in shape.EnumerateArray())
            {
                if (!dimension.TryGetInt64(out var d) || d < 0 || (d > 0 && elements > long.MaxValue / d))
                {
                    throw BadSafetensors(path, $"its entry '{name}' has an invalid shape {shape}");
                }

                elements *= d;
            }

            if (!offsets[0].TryGetInt64(out var begin) || !offsets[1].TryGetInt64(out var end) || begin < 0 || end < begin || end > dataLength
                || elements > (end - begin) / size || (end - begin) != elements * size)
            {
                throw BadSafetensors(path, $"its entry '{name}' ({dtype.GetString()}, shape {shape}) has data offsets {offsets} that do not hold exactly its {elements:N0} values inside the {dataLength:N0} bytes of data");
            }

            ranges.Add((begin, end, name));
        }

        // The format's rule: the tensors' byte ranges tile the data exactly, with no overlap and no hole.
        var next = 0L;
        foreach (var (begin, end, name) in ranges.OrderBy(r => r.Begin).ThenBy(r => r.End))
        {
            if (begin != next)
            {
                throw BadSafetensors(path, begin < next
                    ? $"the data of its entry '{name}' (bytes {begin} to {end}) overlaps another entry's"
                    : $"bytes {next} to {begin} of its data belong to no entry (before '{name}')");
            }

            next = end;
        }

        if (next != dataLength)
        {
            throw BadSafetensors(path, $"its last {dataLength - next:N0} bytes of data belong to no entry");
        }

        return Safetensors.LoadStateDict(path);
    }

    private static CamWeightsException BadSafetensors(string path, string reason) =>
        new($"'{path}' is not a valid safetensors file: {reason}. The file is truncated or corrupt, or was not written by a safetensors library: save it again.");
}
