using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.IO.Hashing;
using System.Linq;
using CamSdk.Internal;
using TorchSharp;
using TorchSharp.PyBridge;

namespace CamSdk.Models;

/// <summary>
/// Reads what <c>torch.save(model.state_dict(), path)</c> writes: a zip archive whose every entry is checked against its
/// CRC-32 (PyTorch's reader checks it; TorchSharp.PyBridge does not), whose pickle is inspected without being run (a
/// whole model, a list or foreign Python objects are named and refused), and whose state dict may sit under a training
/// checkpoint's <c>state_dict</c> or <c>model</c>.
/// </summary>
internal static class TorchSaveReader
{
    private const int ListedClasses = 12;

    /// <summary>Reads a <c>torch.save</c> file into a state dict on the CPU (tensors in the caller's dispose scope).</summary>
    internal static Dictionary<string, torch.Tensor> Read(string path)
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
                var crc = new Crc32();
                long length = 0;
                for (int read; (read = data.Read(buffer)) > 0;)
                {
                    crc.Append(buffer.AsSpan(0, read));
                    length += read;
                    copy?.Write(buffer, 0, read);
                }

                if (crc.GetCurrentHashAsUInt32() != entry.Crc32 || length != entry.Length)
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
                ? $"a dict that also stores Python objects CamSdk cannot rebuild without Python ({string.Join(", ", contents.Classes.Take(ListedClasses))})"
                : contents.Root;
        var message = $"'{path}' holds {holds}, not a state dict; CamSdk loads only state dicts (parameter names mapped to tensors), and never runs pickled Python code. " +
            "In Python, save the model's state dict: torch.save(model.state_dict(), path).";
        return inner is null ? new CamWeightsException(message) : new CamWeightsException(message, inner);
    }
}
