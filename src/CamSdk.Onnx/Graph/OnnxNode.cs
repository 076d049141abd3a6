using System;
using CamSdk.Onnx.Operators;
using CamSdk.Onnx.Protobuf;
using static TorchSharp.torch;

namespace CamSdk.Onnx.Graph;

/// <summary>
/// One ONNX node as a module: its first input goes through <c>call</c> (so forward hooks, CamSdk's capture among them,
/// see the node's output as a layer's), its other inputs and extra outputs pass beside it on the calling thread.
/// </summary>
internal sealed class OnnxNode : nn.Module<Tensor, Tensor>
{
    [ThreadStatic]
    private static Tensor?[]? t_inputs;

    [ThreadStatic]
    private static Tensor[]? t_extra;

    private readonly NodeProto _node;
    private readonly string _name;
    private readonly int _opset;

    internal OnnxNode(string moduleName, string name, NodeProto node, int opset) : base(moduleName)
    {
        _node = node;
        _name = name;
        _opset = opset;
    }

    /// <summary>Runs the node on its inputs (null where an optional one is left out) and returns all its outputs.</summary>
    internal Tensor[] Run(Tensor?[] inputs)
    {
        t_inputs = inputs;
        t_extra = null;
        var first = inputs.Length > 0 && inputs[0] is { } given ? given : empty(0);
        var output = call(first);
        var extra = t_extra ?? [];
        t_extra = null;
        return [output, .. extra];
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        var inputs = t_inputs ?? throw new InvalidOperationException($"The ONNX node '{_name}' runs only inside its OnnxModel.");
        t_inputs = null;
        if (inputs.Length > 0 && inputs[0] is not null)
        {
            inputs[0] = input;
        }

        var outputs = Operators.Operators.Run(new NodeContext(_node, _name, _opset, inputs));
        t_extra = outputs[1..];
        return outputs[0];
    }
}
