using System;
using System.Linq;
using CamSdk.Onnx.Protobuf;
using TorchSharp;
using static TorchSharp.torch;

namespace CamSdk.Onnx.Graph;

/// <summary>One run of one node: its inputs (null where an optional input is left out), its attributes and the model's opset.</summary>
internal sealed class NodeContext
{
    private readonly Tensor?[] _inputs;
    private readonly Device? _device;

    internal NodeContext(NodeProto node, string name, int opset, Tensor?[] inputs)
    {
        Node = node;
        Name = name;
        Opset = opset;
        _inputs = inputs;
        // The model's device when an input is there (a GPU): host tensors beside it (integer constants, shapes a
        // ConstantOfShape or Range made) go there too when used as data. Nodes of host tensors only stay on the host.
        _device = inputs.FirstOrDefault(t => t is not null && t.device_type != DeviceType.CPU)?.device;
    }

    /// <summary>The node.</summary>
    internal NodeProto Node { get; }

    /// <summary>The node's name in messages: its ONNX name, or <c>OpType_index</c> where the file gives none.</summary>
    internal string Name { get; }

    /// <summary>The version of the default ONNX domain the model imports, which decides each operator's version.</summary>
    internal int Opset { get; }

    /// <summary>The number of inputs the node names, optional ones left out included.</summary>
    internal int InputCount => _inputs.Length;

    /// <summary>The number of outputs the node names.</summary>
    internal int OutputCount => Node.Output.Count;

    /// <summary>A required input, as data: on the node's device (a host tensor of more than one value is moved there; a
    /// host scalar combines with device tensors as it is).</summary>
    internal Tensor Input(int index) =>
        index < _inputs.Length && _inputs[index] is { } input
            ? _device is not null && input.device_type == DeviceType.CPU && input.dim() > 0 ? input.to(_device) : input
            : throw new CamModelException($"The {Node.OpType} node '{Name}' lacks its input {index + 1}, which it needs.");

    /// <summary>An optional input, or null when the node leaves it out.</summary>
    internal Tensor? Optional(int index) => index < _inputs.Length ? _inputs[index] : null;

    /// <summary>An integer input's values (a shape, axes, pads), read on the host.</summary>
    internal long[]? Longs(int index) => Optional(index) is { } t ? t.cpu().to(int64).data<long>().ToArray() : null;

    /// <summary>A float input's values (scales), read on the host.</summary>
    internal float[]? Floats(int index) => Optional(index) is { } t ? t.cpu().to(float32).data<float>().ToArray() : null;

    /// <summary>A scalar float input's value, read on the host.</summary>
    internal float? Scalar(int index) => Optional(index) is { } t ? t.cpu().to(float32).data<float>()[0] : null;

    /// <summary>An attribute, or null.</summary>
    internal AttributeProto? Attribute(string name) => Node.Attribute.FirstOrDefault(a => a.Name == name);

    internal long Int(string name, long fallback) => Attribute(name) is { } a ? a.I : fallback;

    internal float Float(string name, float fallback) => Attribute(name) is { } a ? a.F : fallback;

    internal string String(string name, string fallback) => Attribute(name) is { } a ? a.S.ToStringUtf8() : fallback;

    internal long[]? Ints(string name) => Attribute(name) is { } a ? a.Ints.ToArray() : null;

    internal float[]? Floats(string name) => Attribute(name) is { } a ? a.Floats.ToArray() : null;

    /// <summary>An error about this node's use of its operator.</summary>
    internal CamModelException Unsupported(string what) =>
        new($"The {Node.OpType} node '{Name}' (opset {Opset}) uses {what}, which CamSdk's ONNX importer does not support yet.");

    /// <summary>
    /// A shape the node is about to allocate, checked first: dimensions at least 0 and at most 2^31 elements, so that a
    /// damaged file cannot make libtorch allocate without bound.
    /// </summary>
    internal long[] Allocation(long[] shape)
    {
        var count = 1.0;
        foreach (var d in shape)
        {
            count *= d;
        }

        return shape.All(d => d >= 0) && count <= (1L << 31)
            ? shape
            : throw new CamModelException($"The {Node.OpType} node '{Name}' would make a tensor of shape [{string.Join(", ", shape)}]: the model is damaged, or not one CamSdk can run.");
    }

    /// <summary>An axis, counted from the end when negative, checked against the rank.</summary>
    internal long Axis(long axis, long rank)
    {
        var normal = axis < 0 ? axis + rank : axis;
        return normal >= 0 && normal < rank
            ? normal
            : throw new CamModelException($"The {Node.OpType} node '{Name}' names axis {axis} of a tensor of rank {rank}.");
    }
}
