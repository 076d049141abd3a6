using CamSdk.Onnx.Protobuf;
using Google.Protobuf;

namespace CamSdk.Tests.Support;

/// <summary>Builds small ONNX models in memory: one float input, nodes, initializers, one float output.</summary>
internal sealed class GraphBuilder
{
    private readonly GraphProto _graph = new() { Name = "test" };
    private int _names;

    /// <summary>The graph's input, named "x".</summary>
    internal string Input => "x";

    /// <summary>Adds a node and returns its first output's name.</summary>
    /// <param name="op">The operator.</param>
    /// <param name="inputs">Its inputs ("" for a left-out optional one).</param>
    /// <param name="attributes">Name and value pairs: float, long, int, float[], long[], string or TensorProto.</param>
    internal string Node(string op, string[] inputs, params (string Name, object Value)[] attributes) => Nodes(op, inputs, 1, attributes)[0];

    /// <summary>Adds a node with several outputs and returns their names.</summary>
    internal string[] Nodes(string op, string[] inputs, int outputs, params (string Name, object Value)[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = $"{op}_{_names}" };
        node.Input.AddRange(inputs);
        var names = Enumerable.Range(0, outputs).Select(i => $"{op}_{_names}_out{i}").ToArray();
        _names++;
        node.Output.AddRange(names);
        foreach (var (name, value) in attributes)
        {
            node.Attribute.Add(Attribute(name, value));
        }

        _graph.Node.Add(node);
        return names;
    }

    /// <summary>Adds a float initializer and returns its name.</summary>
    internal string Floats(float[] values, params long[] dims)
    {
        var tensor = new TensorProto { Name = $"init_{_names++}", DataType = (int)TensorProto.Types.DataType.Float };
        tensor.Dims.AddRange(dims);
        tensor.FloatData.AddRange(values);
        _graph.Initializer.Add(tensor);
        return tensor.Name;
    }

    /// <summary>Adds an int64 initializer and returns its name.</summary>
    internal string Longs(params long[] values)
    {
        var tensor = new TensorProto { Name = $"init_{_names++}", DataType = (int)TensorProto.Types.DataType.Int64 };
        tensor.Dims.Add(values.Length);
        tensor.Int64Data.AddRange(values);
        _graph.Initializer.Add(tensor);
        return tensor.Name;
    }

    /// <summary>A float scalar initializer (rank 0).</summary>
    internal string Scalar(float value)
    {
        var tensor = new TensorProto { Name = $"init_{_names++}", DataType = (int)TensorProto.Types.DataType.Float };
        tensor.FloatData.Add(value);
        _graph.Initializer.Add(tensor);
        return tensor.Name;
    }

    /// <summary>The model: the graph with input "x" of the given shape and <paramref name="output"/> as its output.</summary>
    internal byte[] Build(int opset, long[] inputShape, string output, string domain = "")
    {
        var input = new ValueInfoProto { Name = Input, Type = FloatType(inputShape) };
        _graph.Input.Clear();
        _graph.Input.Add(input);
        _graph.Output.Clear();
        _graph.Output.Add(new ValueInfoProto { Name = output, Type = FloatType(null) });
        var model = new ModelProto { IrVersion = 8, ProducerName = "CamSdk.Onnx.Tests", Graph = _graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = domain, Version = opset });
        return model.ToByteArray();
    }

    private static TypeProto FloatType(long[]? shape)
    {
        var tensor = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float };
        if (shape is not null)
        {
            tensor.Shape = new TensorShapeProto();
            tensor.Shape.Dim.AddRange(shape.Select(d => new TensorShapeProto.Types.Dimension { DimValue = d }));
        }

        return new TypeProto { TensorType = tensor };
    }

    private static AttributeProto Attribute(string name, object value)
    {
        var attribute = new AttributeProto { Name = name };
        switch (value)
        {
            case float f:
                (attribute.Type, attribute.F) = (AttributeProto.Types.AttributeType.Float, f);
                break;
            case int i:
                (attribute.Type, attribute.I) = (AttributeProto.Types.AttributeType.Int, i);
                break;
            case long l:
                (attribute.Type, attribute.I) = (AttributeProto.Types.AttributeType.Int, l);
                break;
            case float[] fs:
                attribute.Type = AttributeProto.Types.AttributeType.Floats;
                attribute.Floats.AddRange(fs);
                break;
            case long[] ls:
                attribute.Type = AttributeProto.Types.AttributeType.Ints;
                attribute.Ints.AddRange(ls);
                break;
            case string s:
                (attribute.Type, attribute.S) = (AttributeProto.Types.AttributeType.String, ByteString.CopyFromUtf8(s));
                break;
            case TensorProto t:
                (attribute.Type, attribute.T) = (AttributeProto.Types.AttributeType.Tensor, t);
                break;
            default:
                throw new ArgumentException($"No attribute of type {value.GetType().Name}.", nameof(value));
        }

        return attribute;
    }
}
