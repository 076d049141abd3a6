using System.Collections.Generic;

namespace CamSdk.Onnx;

/// <summary>One node of an imported ONNX graph, as an explainable layer.</summary>
/// <param name="Name">The node's ONNX name (or <c>OpType_index</c> where the file gives none).</param>
/// <param name="Operator">The node's operator, e.g. <c>Conv</c>, <c>Relu</c>.</param>
/// <param name="Outputs">The names of the tensors it produces; the first is the layer's output.</param>
/// <param name="Shape">The shape of its first output for the input shape the model was probed with at load.</param>
/// <param name="ModuleName">Its name among the model's modules (<c>named_modules()</c>): the ONNX name made a valid module name.</param>
public sealed record OnnxLayer(string Name, string Operator, IReadOnlyList<string> Outputs, IReadOnlyList<long> Shape, string ModuleName);
