using System;
using System.Linq;
using CamSdk.Onnx.Protobuf;
using TorchSharp;
using static TorchSharp.torch;

namespace CamSdk.Onnx.Operators;

/// <summary>
/// ONNX activations made TorchSharp's own activation modules, so that CamSdk sees them as PyTorch would: a Relu node is a
/// <c>ReLU</c> module that Guided Backpropagation guides, and Clip(0, 6), HardSwish or LeakyRelu are the modules whose
/// Guided Backpropagation CamSdk refuses by name (or guides as ReLU6 when asked).
/// </summary>
internal static class Activations
{
    /// <summary>The operators made modules here.</summary>
    internal static readonly string[] Operators = ["Relu", "LeakyRelu", "Sigmoid", "Tanh", "HardSigmoid", "HardSwish"];

    /// <summary>
    /// The module for an activation node, or null when the node is not one that a TorchSharp module computes exactly
    /// (a Clip other than ReLU6's, a HardSigmoid with other constants).
    /// </summary>
    /// <param name="node">The node.</param>
    /// <param name="opset">The model's opset.</param>
    /// <param name="constant">Reads a constant input (an initializer or a Constant node's value), or null when it is computed.</param>
    internal static nn.Module<Tensor, Tensor>? ModuleFor(NodeProto node, int opset, Func<string, Tensor?> constant)
    {
        switch (node.OpType)
        {
            case "Relu":
                return nn.ReLU();
            case "LeakyRelu":
                // TorchSharp's LeakyReLU passes its slope as a Scalar nothing holds.
                return new CamSdk.Internal.HeldScalarLeakyReLU(Float(node, "alpha", 0.01f));
            case "Sigmoid":
                return nn.Sigmoid();
            case "Tanh":
                return nn.Tanh();
            case "HardSwish":
                return nn.Hardswish();
            case "HardSigmoid":
                // torch's hardsigmoid is relu6(x + 3) / 6: ONNX's with alpha 1/6 and beta 0.5, as torch exports it.
                return Math.Abs(Float(node, "alpha", 0.2f) - (1f / 6)) < 1e-7f && Float(node, "beta", 0.5f) == 0.5f ? nn.Hardsigmoid() : null;
            case "Clip":
                var (low, high) = opset >= 11
                    ? (Value(node, 1, constant), Value(node, 2, constant))
                    : (node.Attribute.Any(a => a.Name == "min") ? Float(node, "min", 0) : (float?)null, node.Attribute.Any(a => a.Name == "max") ? Float(node, "max", 0) : (float?)null);
                return low == 0 && high == 6 ? nn.ReLU6() : null;
            default:
                return null;
        }
    }

    private static float Float(NodeProto node, string name, float fallback) => node.Attribute.FirstOrDefault(a => a.Name == name) is { } a ? a.F : fallback;

    private static float? Value(NodeProto node, int index, Func<string, Tensor?> constant)
    {
        // Read at load, outside any forward pass's scope: the host copy is freed here.
        using var scope = NewDisposeScope();
        return index < node.Input.Count && node.Input[index].Length > 0 && constant(node.Input[index]) is { } t && t.numel() == 1
            ? t.cpu().to(float32).data<float>()[0]
            : null;
    }
}
