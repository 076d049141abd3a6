using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
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

        if (TorchSharpWeightsReader.Recognises(path))
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
            var diagnosis = ModelZoo.Diagnose(
                source.ToDictionary(e => e.Key, e => e.Value.shape, StringComparer.Ordinal),
                model.GetName(),
                target.ToDictionary(e => e.Key, e => e.Value.shape, StringComparer.Ordinal));
            message.Append(diagnosis is null
                ? " Check that the architecture (and its number of classes) is the one the weights were trained with, or load with strict: false."
                : $" {diagnosis} Or load with strict: false to copy only the keys that match.");
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
                WeightsFormat.PyTorch => TorchSaveReader.Read(path),
                WeightsFormat.Safetensors => SafetensorsReader.Read(path),
                _ => TorchSharpWeightsReader.Read(path),
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
