using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using System.Text.Json;
using CamSdk.Internal;
using TorchSharp;
using TorchSharp.PyBridge;

namespace CamSdk.Models;

/// <summary>
/// Loads users' weights into a model: PyTorch's <c>torch.save</c> files, safetensors and TorchSharp's <c>.dat</c>,
/// recognised by content. Every entry of a <c>torch.save</c> archive is checked against its CRC-32, only state dicts
/// are read (a pickled model or other Python objects are named and refused, never run), weights holding NaN or
/// infinity are refused, and keys and shapes are compared before any tensor is copied. Every parameter keeps its
/// <c>requires_grad</c> flag.
/// </summary>
public static class ModelWeights
{
    private const int ListedKeys = 12;

    /// <summary>Recognises a weights file's format from its first bytes.</summary>
    /// <param name="path">The weights file.</param>
    /// <returns>The format.</returns>
    /// <exception cref="CamWeightsException">The file is missing, a directory, empty, in PyTorch's legacy format, or in no known format.</exception>
    public static WeightsFormat DetectFormat(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var head = new byte[16];
        int read;
        using (var stream = UserFiles.OpenRead(path, "weights file", static m => new CamWeightsException(m)))
        {
            read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        }

        if (read >= 4 && head[0] == (byte)'P' && head[1] == (byte)'K' && head[2] == 3 && head[3] == 4)
        {
            return WeightsFormat.PyTorch;
        }

        if (read >= 2 && head[0] == 0x80 && head[1] <= 5)
        {
            throw new CamWeightsException(
                $"'{path}' was written by PyTorch's legacy serialisation (a bare pickle, before PyTorch 1.6), which cannot be read here. " +
                "Re-save it with torch.save(model.state_dict(), path) in PyTorch 1.6 or later, or as .safetensors.");
        }

        if (read >= 10 && head[8] == (byte)'{' && BitConverter.ToUInt64(head, 0) is > 1 and < 100_000_000)
        {
            return WeightsFormat.Safetensors;
        }

        if (LooksLikeTorchSharp(path))
        {
            return WeightsFormat.TorchSharp;
        }

        throw new CamWeightsException(
            $"'{path}' is not a weights file CamSdk can read (it starts with bytes {Convert.ToHexString(head, 0, Math.Min(read, 8))}). " +
            "Pass what torch.save(model.state_dict(), path) writes (.pth/.pt), a .safetensors file, or a TorchSharp .dat file.");
    }

    /// <summary>Reads the keys and shapes of a weights file without loading it into a model.</summary>
    /// <param name="path">The weights file.</param>
    /// <returns>Each key (DataParallel's <c>module.</c> prefix removed) with its shape.</returns>
    /// <exception cref="CamWeightsException">The file cannot be read.</exception>
    public static IReadOnlyDictionary<string, long[]> ReadShapes(string path)
    {
        using var scope = torch.NewDisposeScope();
        return Read(path, out _).ToDictionary(e => e.Key, e => e.Value.shape, StringComparer.Ordinal);
    }

    /// <summary>
    /// Copies the weights of a file into a model's parameters and buffers, matched by name. Strict by default:
    /// any missing, unexpected or mis-shaped key fails the load before any tensor is copied.
    /// </summary>
    /// <param name="model">The model; it may be on any device and its parameters may be frozen.</param>
    /// <param name="path">A <c>.pth</c>/<c>.pt</c>, <c>.safetensors</c> or TorchSharp <c>.dat</c> file.</param>
    /// <param name="strict">When false, loads the keys that match and reports the others.</param>
    /// <returns>What was loaded, and what was missing or unexpected.</returns>
    /// <exception cref="CamWeightsException">The file cannot be read, or (strict) does not match the model; the message lists the keys.</exception>
    public static WeightsLoadReport Load(torch.nn.Module model, string path, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var scope = torch.NewDisposeScope();
        var source = Read(path, out var format);
        var target = model.state_dict();

        var missing = target.Keys.Where(k => !source.ContainsKey(k)).ToList();
        var unexpected = source.Keys.Where(k => !target.ContainsKey(k)).Order(StringComparer.Ordinal).ToList();
        var misShaped = target.Keys.Where(k => source.TryGetValue(k, out var s) && !s.shape.SequenceEqual(target[k].shape)).ToList();
        // Integers into a floating-point parameter (or the reverse) would be converted silently: a sign of the wrong file.
        var misTyped = target.Keys.Where(k => source.TryGetValue(k, out var s) && !misShaped.Contains(k) && s.is_floating_point() != target[k].is_floating_point()).ToList();
        if (strict && (missing.Count > 0 || unexpected.Count > 0 || misShaped.Count > 0 || misTyped.Count > 0))
        {
            var message = new StringBuilder($"The weights in '{path}' ({format}) do not match the model {model.GetName()}:");
            AppendKeys(message, "missing from the file", missing, k => Shapes.Format(target[k].shape));
            AppendKeys(message, "unexpected in the file", unexpected, k => Shapes.Format(source[k].shape));
            AppendKeys(message, "of another shape", misShaped, k => $"file {Shapes.Format(source[k].shape)}, model {Shapes.Format(target[k].shape)}");
            AppendKeys(message, "of another kind of element type", misTyped, k => $"file {source[k].dtype}, model {target[k].dtype}");
            message.Append(" Check that the architecture (and its number of classes) is the one the weights were trained with, or load with strict: false.");
            throw new CamWeightsException(message.ToString());
        }

        var loaded = 0;
        using (torch.no_grad())
        {
            foreach (var (key, tensor) in target)
            {
                if (source.TryGetValue(key, out var value) && tensor.shape.SequenceEqual(value.shape) && value.is_floating_point() == tensor.is_floating_point())
                {
                    tensor.copy_(value);
                    loaded++;
                }
            }
        }

        return new WeightsLoadReport(path, format, loaded, missing, [.. unexpected, .. misShaped, .. misTyped]);
    }

    /// <summary>Reads a file into a state dict on the CPU (tensors in the caller's dispose scope).</summary>
    private static Dictionary<string, torch.Tensor> Read(string path, out WeightsFormat format)
    {
        format = DetectFormat(path);
        Dictionary<string, torch.Tensor> state;
        try
        {
            state = format switch
            {
                WeightsFormat.PyTorch => ReadPyTorch(path),
                WeightsFormat.Safetensors => ReadSafetensors(path),
                _ => ReadTorchSharp(path),
            };
        }
        catch (Exception e) when (e is not CamException)
        {
            throw new CamWeightsException(
                $"'{path}' could not be read as a {format} weights file: {Failures.FirstLine(e)} " +
                "The file may be truncated or corrupt: copy or save it again.",
                e);
        }

        RequireFinite(state, path);

        // torch.nn.DataParallel and DistributedDataParallel save every key under 'module.'.
        if (state.Count > 0 && state.Keys.All(k => k.StartsWith("module.", StringComparison.Ordinal)))
        {
            state = state.ToDictionary(e => e.Key["module.".Length..], e => e.Value, StringComparer.Ordinal);
        }

        return state;
    }

    private static Dictionary<string, torch.Tensor> ReadPyTorch(string path)
    {
        var pickle = VerifyArchive(path);
        var contents = PickleInspector.Inspect(pickle);
        if (!contents.IsDict || contents.IsModule)
        {
            throw NotAStateDict(path, contents);
        }

        Hashtable root;
        try
        {
            using var stream = File.OpenRead(path);
            root = PyTorchUnpickler.UnpickleStateDict(stream);
        }
        catch (Exception e) when (e is not CamException && contents.Classes.Count > 0)
        {
            throw NotAStateDict(path, contents, e);
        }

        // A training checkpoint holds the state dict under 'state_dict' or 'model', beside the optimiser and epoch.
        var dictionary = root["state_dict"] as IDictionary ?? root["model"] as IDictionary ?? root;
        var state = new Dictionary<string, torch.Tensor>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in dictionary)
        {
            if (entry.Key is string key && entry.Value is torch.Tensor tensor)
            {
                state[key] = tensor;
            }
        }

        if (state.Count == 0)
        {
            throw new CamWeightsException(
                $"'{path}' is a torch.save file but holds no tensors at its top level, nor under 'state_dict' or 'model'. " +
                "Save the model's state dict: torch.save(model.state_dict(), path).");
        }

        return state;
    }

    /// <summary>
    /// Reads a safetensors file after checking its header against the format's rules, which TorchSharp.PyBridge does not
    /// check (a negative or out-of-range offset would read the header's own bytes as weights): an 8-byte length within
    /// the file, a JSON object, and for each tensor a known dtype, a shape and data offsets that lie inside the data and
    /// hold exactly the shape's bytes.
    /// </summary>
    private static Dictionary<string, torch.Tensor> ReadSafetensors(string path)
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

    /// <summary>
    /// Checks every entry of a <c>torch.save</c> zip archive against the CRC-32 its directory records (PyTorch's
    /// reader checks it; TorchSharp.PyBridge reads tensors without it, so a flipped byte would load), and returns
    /// the bytes of its <c>data.pkl</c>.
    /// </summary>
    private static byte[] VerifyArchive(string path)
    {
        byte[]? pickle = null;
        string? entryName = null;
        try
        {
            using var archive = ZipFile.OpenRead(path);
            var buffer = new byte[1 << 16];
            foreach (var entry in archive.Entries)
            {
                entryName = entry.FullName;
                using var data = entry.Open();
                var isPickle = entry.FullName.EndsWith("data.pkl", StringComparison.Ordinal) && pickle is null;
                using var copy = isPickle ? new MemoryStream() : null;
                var crc = Crc32.Initial;
                long length = 0;
                for (int read; (read = data.Read(buffer)) > 0;)
                {
                    crc = Crc32.Append(crc, buffer.AsSpan(0, read));
                    length += read;
                    copy?.Write(buffer, 0, read);
                }

                if (Crc32.Finish(crc) != entry.Crc32 || length != entry.Length)
                {
                    throw new CamWeightsException(
                        $"'{path}' is corrupt: its entry '{entry.FullName}' does not match the checksum the archive records for it " +
                        "(a byte changed in copying or on disk). Copy or save the weights again.");
                }

                pickle ??= copy?.ToArray();
            }
        }
        catch (InvalidDataException e)
        {
            throw new CamWeightsException(
                $"'{path}' is truncated or corrupt: it is not a complete zip archive{(entryName is null ? string.Empty : $" (at entry '{entryName}')")}: {e.Message} Copy or save the weights again.", e);
        }

        return pickle ?? throw new CamWeightsException(
            $"'{path}' is a zip archive but not one torch.save wrote: it has no data.pkl. Save the weights with torch.save(model.state_dict(), path).");
    }

    private static CamWeightsException NotAStateDict(string path, PickleInspector.Contents contents, Exception? inner = null)
    {
        var holds = contents.IsModule
            ? $"a whole pickled model ({contents.Classes.FirstOrDefault(c => !c.StartsWith("torch._utils", StringComparison.Ordinal)) ?? "torch.nn.Parameter objects"}), as torch.save(model, path) writes"
            : contents.IsDict
                ? $"a dict that also stores Python objects CamSdk cannot rebuild without Python ({string.Join(", ", contents.Classes.Take(ListedKeys))})"
                : contents.Root;
        var message = $"'{path}' holds {holds}, not a state dict; CamSdk loads only state dicts (parameter names mapped to tensors), and never runs pickled Python code. " +
            "In Python, save the model's state dict: torch.save(model.state_dict(), path).";
        return inner is null ? new CamWeightsException(message) : new CamWeightsException(message, inner);
    }

    /// <summary>Refuses weights that hold NaN or infinity: a model with them cannot give a meaningful map.</summary>
    private static void RequireFinite(Dictionary<string, torch.Tensor> state, string path)
    {
        var broken = state.Where(e => e.Value.is_floating_point() && !e.Value.isfinite().all().item<bool>()).Select(e => e.Key).ToList();
        if (broken.Count > 0)
        {
            throw new CamWeightsException(
                $"'{path}' holds NaN or infinite values in {broken.Count} tensor(s): {string.Join(", ", broken.Take(ListedKeys))}{(broken.Count > ListedKeys ? ", …" : string.Empty)}. " +
                "The training that wrote them diverged, or the file is corrupt: a model with these weights cannot be explained. Use weights from an earlier checkpoint.");
        }
    }

    /// <summary>
    /// TorchSharp's format: an entry count, then each key and tensor, read with TorchSharp's own readers once the whole
    /// file has been walked in managed code: TorchSharp allocates whatever element type and shape a (corrupt) file
    /// declares, which can crash the process.
    /// </summary>
    private static Dictionary<string, torch.Tensor> ReadTorchSharp(string path)
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
    private static bool LooksLikeTorchSharp(string path)
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

    private static void AppendKeys(StringBuilder message, string what, List<string> keys, Func<string, string> detail)
    {
        if (keys.Count == 0)
        {
            return;
        }

        message.Append($" {keys.Count} key(s) {what}: ");
        message.Append(string.Join(", ", keys.Take(ListedKeys).Select(k => $"{k} ({detail(k)})")));
        message.Append(keys.Count > ListedKeys ? $", and {keys.Count - ListedKeys} more." : ".");
    }
}
