using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using CamSdk.Internal;
using CamSdk.Onnx.Graph;
using CamSdk.Onnx.Operators;
using CamSdk.Onnx.Protobuf;
using Google.Protobuf;
using TorchSharp;
using static TorchSharp.torch;

namespace CamSdk.Onnx;

/// <summary>
/// An ONNX model imported as a TorchSharp module: the graph runs with TorchSharp operations on the input's device,
/// every floating-point initializer is a parameter (so weights can be inspected and gradients flow), every node is a
/// module whose output is an explainable layer, found by its ONNX node name or output name (<see cref="Layer"/>), and
/// every <c>Relu</c> node is a <c>ReLU</c> module, which Guided Backpropagation guides.
/// </summary>
/// <remarks>
/// <para>
/// The importer reads ONNX's own protobuf schema and needs no ONNX Runtime. It takes the default ONNX domain at opsets
/// <see cref="MinOpset"/> to <see cref="MaxOpset"/> and the operators of <see cref="SupportedOperators"/>; anything else is
/// refused at load by name. The model's one input is an image batch (N×C×H×W); its first output is the class scores
/// (or an embedding, explained with a similarity target).
/// </para>
/// <para>
/// At load the graph runs once on zeros of its input's declared shape (a symbolic batch as 1, a symbolic side as 224, or
/// the shape given) to learn each node's output shape and to check that every node runs; <see cref="DefaultLayer"/> is
/// chosen from those shapes.
/// Integer tensors (shapes, axes, indices) stay on the CPU, where the operators that use them read them.
/// </para>
/// </remarks>
public sealed class OnnxModel : nn.Module<Tensor, Tensor>
{
    /// <summary>The lowest opset of the default ONNX domain the importer takes.</summary>
    public const int MinOpset = Operators.Operators.MinOpset;

    /// <summary>The highest opset of the default ONNX domain the importer takes.</summary>
    public const int MaxOpset = Operators.Operators.MaxOpset;

    private readonly Step[] _steps;
    private readonly Dictionary<string, string> _parameterNames = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _bufferNames = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Tensor> _hostConstants = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _layerByName = new(StringComparer.Ordinal);
    private readonly List<OnnxLayer> _layers = [];
    private readonly int _defaultLayer = -1;

    private OnnxModel(ModelProto proto, string source, long[]? inputShape, string? folder) : base("OnnxModel")
    {
        try
        {
            var graph = proto.Graph ?? throw new CamWeightsException($"{source} holds no graph: it is not an ONNX model, or it is damaged.");
            Opset = OpsetOf(proto, source);
            Source = source;

            // Batch normalisation's running statistics are buffers, as in PyTorch: libtorch refuses statistics that require grad.
            var identities = graph.Node.Where(n => n.OpType == "Identity" && n.Input.Count == 1 && n.Output.Count == 1)
                .GroupBy(n => n.Output[0]).ToDictionary(g => g.Key, g => g.First().Input[0], StringComparer.Ordinal);
            string Origin(string name)
            {
                for (var hops = 0; hops < identities.Count && identities.TryGetValue(name, out var from); hops++)
                {
                    name = from;
                }

                return name;
            }

            var statistics = graph.Node.Where(n => n.OpType == "BatchNormalization").SelectMany(n => n.Input.Skip(3).Take(2)).Select(Origin).ToHashSet(StringComparer.Ordinal);
            // An initializer that only sets how nodes work (a Clip's bounds, a Resize's scales) is a constant, not a weight.
            var uses = graph.Node.SelectMany(n => n.Input.Select((input, index) => (Input: Origin(input), Setting: Operators.Operators.IsSetting(n.OpType, index))))
                .Concat(graph.Output.Select(o => (Input: Origin(o.Name), Setting: false)))
                .ToLookup(u => u.Input, u => u.Setting, StringComparer.Ordinal);
            bool OnlySetting(string name) => uses[name].Any() && uses[name].All(setting => setting);
            foreach (var initializer in graph.Initializer)
            {
                var value = OnnxTensors.ToTensor(initializer, $"initializer '{initializer.Name}' of {source}", folder);
                if (OnlySetting(initializer.Name))
                {
                    _hostConstants[initializer.Name] = value;
                    continue;
                }

                AddConstant(initializer.Name, value, parameter: !statistics.Contains(initializer.Name));
            }

            var inputs = graph.Input.Where(i => !_parameterNames.ContainsKey(i.Name) && !_bufferNames.ContainsKey(i.Name) && !_hostConstants.ContainsKey(i.Name)).ToArray();
            if (inputs.Length != 1)
            {
                throw new CamModelException(
                    $"{source} takes {inputs.Length} inputs ({string.Join(", ", inputs.Select(i => $"'{i.Name}'"))}): CamSdk explains models of one input, an image batch.");
            }

            InputName = inputs[0].Name;
            OutputName = graph.Output.FirstOrDefault()?.Name ?? throw new CamWeightsException($"{source} names no output: the file is damaged.");
            var known = new HashSet<string>(_parameterNames.Keys.Concat(_bufferNames.Keys).Concat(_hostConstants.Keys), StringComparer.Ordinal) { InputName };
            var steps = new List<Step>();
            var moduleNames = new HashSet<string>(StringComparer.Ordinal);
            for (var index = 0; index < graph.Node.Count; index++)
            {
                var node = graph.Node[index];
                var name = node.Name.Length > 0 ? node.Name : $"{node.OpType}_{index}";
                Check(node, name, source, Opset, known);
                if (node.OpType == "Constant")
                {
                    // A Constant that only sets nodes stays on the host, where they read it (not moved to a GPU and read back in every pass).
                    var constant = ConstantValue(node, name, folder);
                    if (OnlySetting(node.Output[0]))
                    {
                        _hostConstants[node.Output[0]] = constant;
                    }
                    else
                    {
                        AddConstant(node.Output[0], constant, parameter: false);
                    }

                    known.Add(node.Output[0]);
                    continue;
                }

                var moduleName = UniqueModuleName(name, moduleNames);
                var module = Activations.ModuleFor(node, Opset, Constant) ?? new OnnxNode(moduleName, name, node, Opset);
                register_module(moduleName, module);
                steps.Add(new Step(name, moduleName, node.OpType, [.. node.Input], [.. node.Output], module));
                foreach (var output in node.Output.Where(o => o.Length > 0))
                {
                    known.Add(output);
                }
            }

            if (!known.Contains(OutputName))
            {
                throw new CamWeightsException($"{source}'s output '{OutputName}' is produced by no node: the graph is malformed.");
            }

            _steps = [.. steps];
            var declared = InputShapeOf(inputs[0], source);
            var shapes = Probe(inputShape ?? declared ?? throw new CamModelException(
                $"{source}'s input '{InputName}' has rank {inputs[0].Type.TensorType.Shape?.Dim.Count ?? 0}: CamSdk explains models whose input is an N×C×H×W image batch (give the input shape to Load where the file declares none)."));
            for (var i = 0; i < _steps.Length; i++)
            {
                var step = _steps[i];
                _layers.Add(new OnnxLayer(step.Name, step.Operator, step.Outputs, shapes[i], step.ModuleName));
                _layerByName.TryAdd(step.Name, i);
                _layerByName.TryAdd(step.ModuleName, i);
                foreach (var output in step.Outputs.Where(o => o.Length > 0))
                {
                    _layerByName.TryAdd(output, i);
                }
            }

            _defaultLayer = ChooseDefaultLayer();
        }
        catch
        {
            // A model refused at load frees the weights it had already made.
            Dispose();
            throw;
        }
    }

    /// <summary>Every operator of the default ONNX domain the importer takes, sorted.</summary>
    public static IReadOnlyList<string> SupportedOperators => Operators.Operators.Supported;

    /// <summary>Where the model was read from, for messages.</summary>
    public string Source { get; }

    /// <summary>The version of the default ONNX domain the model imports.</summary>
    public int Opset { get; }

    /// <summary>The name of the graph's input.</summary>
    public string InputName { get; }

    /// <summary>The name of the graph's output that <c>forward</c> returns (its first).</summary>
    public string OutputName { get; }

    /// <summary>Every node that runs, in the graph's order, with its output shape at load; Constant nodes are folded into buffers.</summary>
    public IReadOnlyList<OnnxLayer> Layers => _layers;

    /// <summary>
    /// The default layer's node: the last whose output is N×C×h×w with h, w &gt; 1 before the global pooling or
    /// flattening that leads to the head (GlobalAveragePool, GlobalMaxPool, Flatten, a ReduceMean or Reshape that leaves
    /// the spatial grid: the last of them in the graph, past any squeeze-and-excitation block's pooling); null when no
    /// node fits, as in a model that never has such an output.
    /// </summary>
    public OnnxLayer? DefaultLayerInfo => _defaultLayer >= 0 ? _layers[_defaultLayer] : null;

    /// <summary>The default layer's module, to give a <see cref="CamExplainer"/>.</summary>
    /// <exception cref="CamLayerException">No node fits the rule (see <see cref="DefaultLayerInfo"/>): name one with <see cref="Layer"/>.</exception>
    public nn.Module<Tensor, Tensor> DefaultLayer => _defaultLayer >= 0
        ? _steps[_defaultLayer].Module
        : throw new CamLayerException($"{Source} has no node whose output is N×C×h×w with h, w > 1 before its global pooling: name the layer to explain with Layer(name); Layers lists them.");

    /// <summary>
    /// Reads an ONNX model.
    /// </summary>
    /// <param name="path">The <c>.onnx</c> file; weights it keeps in external data files are read from its folder.</param>
    /// <param name="inputShape">The input shape to probe the graph with at load (N×C×H×W); null for the one the file declares, a symbolic batch as 1 and a symbolic side as 224.</param>
    /// <returns>The model, on the CPU, in evaluation mode.</returns>
    /// <exception cref="CamWeightsException">The file is missing, damaged, truncated or not ONNX.</exception>
    /// <exception cref="CamModelException">An operator, opset, domain or element type the importer does not take (the message names the node and lists the supported ones), or a graph that does not run.</exception>
    public static OnnxModel Load(string path, IReadOnlyList<long>? inputShape = null)
    {
        using var stream = UserFiles.OpenRead(path, "ONNX model", m => new CamWeightsException(m));
        return Load(stream, $"'{path}'", inputShape, Path.GetDirectoryName(Path.GetFullPath(path)));
    }

    /// <summary>Reads an ONNX model from a stream (see <see cref="Load(string, IReadOnlyList{long}?)"/>).</summary>
    /// <param name="stream">The model's bytes.</param>
    /// <param name="source">What to call it in messages.</param>
    /// <param name="inputShape">The input shape to probe the graph with; null for the declared one.</param>
    /// <param name="externalDataFolder">
    /// The folder holding the data files of weights the model keeps outside itself (ONNX's external data, as every
    /// model over 2 GB does); null refuses such a model with a message.
    /// </param>
    /// <returns>The model, on the CPU, in evaluation mode.</returns>
    public static OnnxModel Load(Stream stream, string source = "The ONNX model", IReadOnlyList<long>? inputShape = null, string? externalDataFolder = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ModelProto proto;
        try
        {
            proto = ModelProto.Parser.ParseFrom(stream);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new CamWeightsException($"{source} is not a readable ONNX file ({e.Message}): it is damaged, truncated or not ONNX.", e);
        }

        var model = new OnnxModel(proto, source, inputShape?.ToArray(), externalDataFolder);
        model.eval();
        return model;
    }

    /// <summary>A node's module by its ONNX node name, one of its output names, or its module name.</summary>
    /// <param name="name">The name.</param>
    /// <returns>The module, to give a <see cref="CamExplainer"/> as its layer.</returns>
    /// <exception cref="CamLayerException">No node has that name; the message lists the closest.</exception>
    public nn.Module<Tensor, Tensor> Layer(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (_layerByName.TryGetValue(name, out var index))
        {
            return _steps[index].Module;
        }

        var closest = _layers.Select(l => l.Name).Where(n => n.Contains(name, StringComparison.OrdinalIgnoreCase)).Take(5).ToArray();
        throw new CamLayerException(
            $"{Source} has no node or output named '{name}'." + (closest.Length > 0 ? $" Close: {string.Join(", ", closest.Select(n => $"'{n}'"))}." : string.Empty) +
            " OnnxModel.Layers lists every node; `camsdk inspect` prints them.");
    }

    /// <summary>The layer of a module of this model, or null.</summary>
    /// <param name="module">A module returned by <see cref="Layer"/> or <see cref="DefaultLayer"/>.</param>
    /// <returns>Its node.</returns>
    public OnnxLayer? LayerOf(nn.Module module)
    {
        var index = Array.FindIndex(_steps, s => ReferenceEquals(s.Module, module));
        return index >= 0 ? _layers[index] : null;
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input) => Run(input, null);

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            foreach (var constant in _hostConstants.Values)
            {
                constant.Dispose();
            }

            _hostConstants.Clear();
        }

        base.Dispose(disposing);
    }

    private Tensor Run(Tensor input, List<long[]>? shapes)
    {
        using var scope = NewDisposeScope();
        var values = new Dictionary<string, Tensor>(StringComparer.Ordinal) { [InputName] = input };
        foreach (var (onnxName, name) in _parameterNames)
        {
            values[onnxName] = get_parameter(name)!;
        }

        foreach (var (onnxName, name) in _bufferNames)
        {
            values[onnxName] = get_buffer(name)!;
        }

        foreach (var (onnxName, constant) in _hostConstants)
        {
            values[onnxName] = constant;
        }

        foreach (var step in _steps)
        {
            var inputs = step.Inputs.Select(n => n.Length == 0 ? null : values[n]).ToArray();
            Tensor[] outputs;
            try
            {
                outputs = step.Module is OnnxNode node ? node.Run(inputs) : [step.Module.call(inputs[0]!)];
            }
            catch (Exception e) when (shapes is not null && e is not CamException)
            {
                throw new CamModelException($"The {step.Operator} node '{step.Name}' of {Source} does not run on its inputs ({string.Join("; ", inputs.Select(i => i is null ? "none" : $"[{string.Join(", ", i.shape)}]"))}): {e.Message}", e);
            }

            shapes?.Add(outputs[0].shape);
            for (var i = 0; i < step.Outputs.Length && i < outputs.Length; i++)
            {
                if (step.Outputs[i].Length > 0)
                {
                    values[step.Outputs[i]] = outputs[i];
                }
            }
        }

        return values[OutputName].MoveToOuterDisposeScope();
    }

    private List<long[]> Probe(long[] shape)
    {
        var shapes = new List<long[]>();
        // The kernels CamSdk's explanations use (on a machine whose oneDNN gradients are wrong, neither oneDNN nor NNPACK,
        // which would warn on every convolution where the processor lacks it).
        using var backend = NativeBackend.GradientScope();
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        using var zeros = torch.zeros(shape);
        Run(zeros, shapes);
        return shapes;
    }

    /// <summary>
    /// The last node with an N×C×h×w output (h, w &gt; 1) before the global pooling or flattening that leads to the
    /// head: the last such pooling in the graph's order, so that squeeze-and-excitation blocks (a global pooling inside
    /// each block) do not stop the search early.
    /// </summary>
    private int ChooseDefaultLayer()
    {
        bool Pools(int i)
        {
            var layer = _layers[i];
            var inputRank = _steps[i].Inputs.Length > 0 && _layerByName.TryGetValue(_steps[i].Inputs[0], out var from) ? _layers[from].Shape.Count : 4;
            return layer.Operator is "GlobalAveragePool" or "GlobalMaxPool" or "Flatten"
                || (layer.Operator is "ReduceMean" or "Reshape" && inputRank == 4 && layer.Shape.Count != 4);
        }

        var head = Enumerable.Range(0, _layers.Count).LastOrDefault(Pools, _layers.Count);
        return Enumerable.Range(0, head).LastOrDefault(i => _layers[i].Shape is [_, _, > 1, > 1], -1);
    }

    private void AddConstant(string name, Tensor value, bool parameter)
    {
        if (!value.is_floating_point())
        {
            _hostConstants[name] = value;
            return;
        }

        var moduleName = "c_" + Sanitize(name);
        while (_parameterNames.ContainsValue(moduleName) || _bufferNames.ContainsValue(moduleName))
        {
            moduleName += "_";
        }

        if (parameter)
        {
            register_parameter(moduleName, new TorchSharp.Modules.Parameter(value));
            _parameterNames[name] = moduleName;
        }
        else
        {
            register_buffer(moduleName, value);
            _bufferNames[name] = moduleName;
        }
    }

    private Tensor? Constant(string name) =>
        _parameterNames.TryGetValue(name, out var p) ? get_parameter(p) : _bufferNames.TryGetValue(name, out var b) ? get_buffer(b) : _hostConstants.GetValueOrDefault(name);

    private static Tensor ConstantValue(NodeProto node, string name, string? folder)
    {
        var attribute = node.Attribute.FirstOrDefault() ?? throw new CamWeightsException($"The Constant node '{name}' holds no value: the file is damaged.");
        return attribute.Name switch
        {
            "value" => OnnxTensors.ToTensor(attribute.T, $"value of the Constant node '{name}'", folder),
            "value_float" => tensor(attribute.F),
            "value_floats" => tensor(attribute.Floats.ToArray()),
            "value_int" => tensor(attribute.I),
            "value_ints" => tensor(attribute.Ints.ToArray()),
            _ => throw new CamModelException($"The Constant node '{name}' holds a {attribute.Name}, which CamSdk's ONNX importer does not take."),
        };
    }

    private static void Check(NodeProto node, string name, string source, int opset, HashSet<string> known)
    {
        if (node.Domain is not ("" or "ai.onnx"))
        {
            throw new CamModelException(
                $"The {node.OpType} node '{name}' of {source} belongs to the operator domain '{node.Domain}': CamSdk's ONNX importer runs the default ONNX domain only (a model exported with torch.onnx.export, or optimised by ONNX Runtime with its own fused operators, must be saved without them).");
        }

        if (node.OpType != "Constant" && !Operators.Operators.Has(node.OpType))
        {
            throw new CamModelException(
                $"The {node.OpType} node '{name}' of {source} (opset {opset}) uses an operator that CamSdk's ONNX importer does not support yet. Supported: {string.Join(", ", SupportedOperators)}.");
        }

        if (node.Input.FirstOrDefault(i => i.Length > 0 && !known.Contains(i)) is { } missing)
        {
            throw new CamWeightsException($"The {node.OpType} node '{name}' of {source} reads '{missing}', which no input, initializer or earlier node produces: the graph is malformed or not sorted.");
        }

        if (node.Output.Count == 0)
        {
            throw new CamWeightsException($"The {node.OpType} node '{name}' of {source} has no output: the graph is malformed.");
        }
    }

    private static int OpsetOf(ModelProto proto, string source)
    {
        var opset = proto.OpsetImport.FirstOrDefault(o => o.Domain is "" or "ai.onnx")
            ?? throw new CamWeightsException($"{source} imports no version of the default ONNX domain: the file is damaged or not ONNX.");
        return opset.Version is >= MinOpset and <= MaxOpset
            ? (int)opset.Version
            : throw new CamModelException(
                $"{source} uses opset {opset.Version} of ONNX, and CamSdk's ONNX importer takes opsets {MinOpset} to {MaxOpset}: export it with one of those (torch.onnx.export(..., opset_version=17)) or convert it with onnx.version_converter.");
    }

    /// <summary>The declared input shape (a symbolic batch as 1, channels as 3, sides as 224), or null when it is not 4-D; checks the element type.</summary>
    private static long[]? InputShapeOf(ValueInfoProto input, string source)
    {
        var type = input.Type?.TensorType;
        if (type is null || type.ElemType != (int)TensorProto.Types.DataType.Float)
        {
            throw new CamModelException(
                $"{source}'s input '{input.Name}' is {(type is null ? "not a tensor" : OnnxTensors.NameOf(type.ElemType) + " elements")}: CamSdk explains models whose input is a float32 image batch.");
        }

        var dims = type.Shape?.Dim.Select((d, i) => d.DimValue > 0 ? d.DimValue : i == 0 ? 1 : i == 1 ? 3 : 224).ToArray() ?? [];
        return dims.Length == 4 ? dims : null;
    }

    private static string UniqueModuleName(string name, HashSet<string> used)
    {
        var candidate = Sanitize(name);
        var unique = candidate;
        for (var n = 2; !used.Add(unique); n++)
        {
            unique = $"{candidate}_{n}";
        }

        return unique;
    }

    /// <summary>An ONNX name as a module or parameter name: letters, digits and underscores.</summary>
    private static string Sanitize(string name)
    {
        var builder = new StringBuilder(name.Length);
        foreach (var ch in name.TrimStart('/'))
        {
            builder.Append(char.IsAsciiLetterOrDigit(ch) ? ch : '_');
        }

        return builder.Length > 0 ? builder.ToString() : "node";
    }

    private sealed record Step(string Name, string ModuleName, string Operator, string[] Inputs, string[] Outputs, nn.Module<Tensor, Tensor> Module);
}
