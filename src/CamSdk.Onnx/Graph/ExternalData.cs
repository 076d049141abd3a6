using System;
using System.Globalization;
using System.IO;
using System.Linq;
using CamSdk.Internal;
using CamSdk.Onnx.Protobuf;

namespace CamSdk.Onnx.Graph;

/// <summary>
/// Tensor data kept beside the model (ONNX's external data: <c>onnx.save_model(…, save_as_external_data=True)</c>, and
/// every model over protobuf's 2 GB limit). A tensor names a file relative to the model's folder, with an optional
/// byte offset and length (onnx.ai/onnx/repo-docs/ExternalData.html).
/// </summary>
internal static class ExternalData
{
    /// <summary>
    /// Reads a tensor's external bytes, checked against the <paramref name="expected"/> length before anything is read.
    /// </summary>
    /// <param name="proto">The tensor.</param>
    /// <param name="folder">The model's folder, which locations are relative to; null for a model read from a stream.</param>
    /// <param name="expected">The number of bytes its shape and element type take.</param>
    /// <param name="where">The tensor, for messages.</param>
    /// <exception cref="CamModelException">A model read from a stream without its folder.</exception>
    /// <exception cref="CamWeightsException">A location that is missing, absolute or leaves the model's folder; a missing
    /// file; an offset or length that is malformed, does not fit the file or does not match the tensor.</exception>
    internal static byte[] Read(TensorProto proto, string? folder, long expected, string where)
    {
        if (folder is null)
        {
            throw new CamModelException(
                $"The {where} keeps its data in an external file, and the model was read from a stream: load it from its path (OnnxModel.Load(path)), or give the folder its data files are in.");
        }

        string? Entry(string key) => proto.ExternalData.LastOrDefault(e => e.Key == key)?.Value;
        var location = Entry("location");
        if (string.IsNullOrEmpty(location))
        {
            throw new CamWeightsException($"The {where} is marked as external but names no location: the file is damaged.");
        }

        // As ONNX's own checker: a location is relative to the model's folder and stays inside it.
        var segments = location.Split('/', '\\');
        if (Path.IsPathRooted(location) || segments.Any(s => s == ".."))
        {
            throw new CamWeightsException(
                $"The {where} names its data file '{location}', which is not inside the model's folder: ONNX allows only relative locations below it. Re-save the model with onnx.save_model(…, save_as_external_data=True, location=\"weights.bin\").");
        }

        var offset = Number(Entry("offset"), 0, "offset", where);
        var path = Path.Combine([folder, .. segments.Where(s => s.Length > 0 && s != ".")]);
        using var stream = UserFiles.OpenRead(path, $"external data file of the {where}", m => new CamWeightsException(m));
        var length = Number(Entry("length"), stream.Length - offset, "length", where);
        if (offset > stream.Length || length > stream.Length - offset)
        {
            throw new CamWeightsException(
                $"The {where} reads {length:N0} bytes at offset {offset:N0} of '{path}', which has {stream.Length:N0}: the data file is truncated or belongs to another model.");
        }

        if (length != expected)
        {
            throw new CamWeightsException(
                $"The {where} declares {expected:N0} bytes of data but its external data in '{path}' has {length:N0}: the data file belongs to another model, or the model is damaged.");
        }

        var bytes = new byte[length];
        stream.Position = offset;
        stream.ReadExactly(bytes);
        return bytes;
    }

    private static long Number(string? text, long fallback, string key, string where)
    {
        if (text is null)
        {
            return fallback;
        }

        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value <= Array.MaxLength
            ? value
            : throw new CamWeightsException($"The {where} gives its external data's {key} as '{text}', which is not a byte count CamSdk can read: the file is damaged.");
    }
}
