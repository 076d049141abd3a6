using CamSdk.Internal;
using CamSdk.Onnx;
using CamSdk.Onnx.Protobuf;
using CamSdk.Tests.Support;
using Xunit.Abstractions;
using TorchSharp;
using static TorchSharp.torch;

namespace CamSdk.Tests;

/// <summary>
/// Every supported operator in a small model built here, at the opsets where its form changes, against ONNX Runtime on
/// the same input: the importer's output equals ORT's to 1e-5 of the output's scale; and its gradients, with respect to
/// the input and to every weight, equal central finite differences (ORT gives no gradients; explanations need them).
/// </summary>
public sealed class OnnxOperatorTests(ITestOutputHelper output)
{
    private delegate string Case(GraphBuilder g, Func<long[], string> weights);

    private static readonly Dictionary<string, (int Opset, long[] Shape, Case Build)> Cases = new()
    {
        // Convolution: groups, dilations, strides, explicit asymmetric pads, auto_pad.
        ["Conv groups dilations asymmetric pads"] = (13, [2, 4, 9, 8], (g, w) => g.Node("Conv", [g.Input, w([6, 2, 3, 3]), w([6])], ("group", 2L), ("dilations", new long[] { 2, 1 }), ("strides", new long[] { 1, 2 }), ("pads", new long[] { 0, 1, 2, 0 }))),
        ["Conv SAME_UPPER"] = (11, [1, 3, 7, 7], (g, w) => g.Node("Conv", [g.Input, w([4, 3, 4, 4])], ("auto_pad", "SAME_UPPER"), ("strides", new long[] { 2, 2 }))),
        ["Conv SAME_LOWER"] = (11, [1, 3, 7, 6], (g, w) => g.Node("Conv", [g.Input, w([4, 3, 4, 3])], ("auto_pad", "SAME_LOWER"))),
        ["Conv VALID 1-D"] = (13, [2, 3, 11], (g, w) => g.Node("Conv", [g.Input, w([5, 3, 3]), w([5])], ("auto_pad", "VALID"), ("strides", new long[] { 2 }))),
        // Pooling.
        ["MaxPool ceil pads"] = (13, [1, 2, 10, 9], (g, _) => g.Node("MaxPool", [g.Input], ("kernel_shape", new long[] { 3, 3 }), ("strides", new long[] { 2, 2 }), ("pads", new long[] { 1, 1, 1, 1 }), ("ceil_mode", 1L))),
        ["MaxPool asymmetric pads"] = (11, [1, 2, 8, 8], (g, _) => g.Node("MaxPool", [g.Input], ("kernel_shape", new long[] { 2, 2 }), ("strides", new long[] { 2, 2 }), ("pads", new long[] { 0, 0, 1, 1 }))),
        ["MaxPool dilations"] = (11, [1, 2, 9, 9], (g, _) => g.Node("MaxPool", [g.Input], ("kernel_shape", new long[] { 2, 2 }), ("dilations", new long[] { 2, 2 }))),
        ["AveragePool count_include_pad 0"] = (11, [1, 2, 7, 7], (g, _) => g.Node("AveragePool", [g.Input], ("kernel_shape", new long[] { 3, 3 }), ("strides", new long[] { 2, 2 }), ("pads", new long[] { 1, 1, 1, 1 }))),
        ["AveragePool count_include_pad 1"] = (11, [1, 2, 7, 7], (g, _) => g.Node("AveragePool", [g.Input], ("kernel_shape", new long[] { 3, 3 }), ("strides", new long[] { 2, 2 }), ("pads", new long[] { 1, 1, 1, 1 }), ("count_include_pad", 1L))),
        ["AveragePool ceil_mode"] = (11, [1, 2, 8, 8], (g, _) => g.Node("AveragePool", [g.Input], ("kernel_shape", new long[] { 3, 3 }), ("strides", new long[] { 2, 2 }), ("ceil_mode", 1L))),
        ["AveragePool asymmetric pads"] = (11, [1, 2, 8, 8], (g, _) => g.Node("AveragePool", [g.Input], ("kernel_shape", new long[] { 2, 2 }), ("strides", new long[] { 2, 2 }), ("pads", new long[] { 0, 0, 1, 1 }))),
        ["GlobalAveragePool"] = (13, [2, 3, 5, 4], (g, _) => g.Node("GlobalAveragePool", [g.Input])),
        ["GlobalMaxPool"] = (13, [2, 3, 5, 4], (g, _) => g.Node("GlobalMaxPool", [g.Input])),
        // Normalisation and dense layers.
        ["BatchNormalization"] = (15, [2, 3, 4, 4], (g, w) => g.Node("BatchNormalization", [g.Input, w([3]), w([3]), w([3]), g.Floats([0.5f, 1.5f, 2f], 3)], ("epsilon", 1e-3f))),
        ["LayerNormalization"] = (17, [2, 3, 4, 5], (g, w) => g.Node("LayerNormalization", [g.Input, w([4, 5]), w([4, 5])], ("axis", -2L))),
        ["Gemm transB alpha beta"] = (13, [3, 6], (g, w) => g.Node("Gemm", [g.Input, w([4, 6]), w([4])], ("transB", 1L), ("alpha", 0.5f), ("beta", 2f))),
        ["Gemm transA"] = (11, [6, 3], (g, w) => g.Node("Gemm", [g.Input, w([6, 4])], ("transA", 1L))),
        ["MatMul batched"] = (13, [2, 3, 5, 4], (g, w) => g.Node("MatMul", [g.Input, w([4, 6])])),
        // Element-wise, with broadcasting.
        ["Add Sub Mul Div broadcast"] = (13, [2, 3, 4], (g, w) => g.Node("Div", [g.Node("Mul", [g.Node("Sub", [g.Node("Add", [g.Input, w([4])]), w([3, 1])]), w([1, 4])]), g.Floats([2f, 3f, 4f, 5f], 4)])),
        ["Pow Sqrt"] = (13, [2, 5], (g, _) => g.Node("Sqrt", [g.Node("Pow", [g.Input, g.Scalar(2f)])])),
        ["Erf (GELU)"] = (13, [2, 7], (g, _) => g.Node("Mul", [g.Input, g.Node("Add", [g.Node("Erf", [g.Node("Div", [g.Input, g.Scalar(1.4142135f)])]), g.Scalar(1f)])])),
        ["Neg Exp"] = (13, [2, 4], (g, _) => g.Node("Exp", [g.Node("Neg", [g.Input])])),
        ["Relu"] = (13, [2, 6], (g, _) => g.Node("Relu", [g.Input])),
        ["LeakyRelu"] = (13, [2, 6], (g, _) => g.Node("LeakyRelu", [g.Input], ("alpha", 0.2f))),
        ["Sigmoid Tanh"] = (13, [2, 6], (g, _) => g.Node("Tanh", [g.Node("Sigmoid", [g.Input])])),
        ["HardSigmoid as torch exports it"] = (13, [2, 9], (g, _) => g.Node("HardSigmoid", [g.Input], ("alpha", 1f / 6), ("beta", 0.5f))),
        ["HardSigmoid defaults"] = (13, [2, 9], (g, _) => g.Node("HardSigmoid", [g.Input])),
        ["HardSwish"] = (14, [2, 9], (g, _) => g.Node("HardSwish", [g.Input])),
        ["Clip inputs (ReLU6)"] = (13, [2, 9], (g, _) => g.Node("Clip", [g.Input, g.Scalar(0f), g.Scalar(6f)])),
        ["Clip one bound"] = (13, [2, 9], (g, _) => g.Node("Clip", [g.Input, string.Empty, g.Scalar(0.3f)])),
        ["Clip attributes"] = (9, [2, 9], (g, _) => g.Node("Clip", [g.Input], ("min", -0.5f), ("max", 0.5f))),
        ["Softmax opset 11 flattens"] = (11, [2, 3, 4], (g, _) => g.Node("Softmax", [g.Input], ("axis", 1L))),
        ["Softmax opset 13"] = (13, [2, 3, 4], (g, _) => g.Node("Softmax", [g.Input], ("axis", 1L))),
        ["ReduceMean axes attribute"] = (13, [2, 3, 4, 5], (g, _) => g.Node("ReduceMean", [g.Input], ("axes", new long[] { 2, -1 }), ("keepdims", 0L))),
        ["ReduceMean axes input"] = (18, [2, 3, 4, 5], (g, _) => g.Node("ReduceMean", [g.Input, g.Longs(1)])),
        // Shapes.
        ["Flatten axis 2"] = (13, [2, 3, 4, 5], (g, _) => g.Node("Flatten", [g.Input], ("axis", 2L))),
        ["Reshape 0 and -1"] = (13, [2, 3, 4, 5], (g, _) => g.Node("Reshape", [g.Input, g.Longs(0, -1, 5)])),
        ["Transpose"] = (13, [2, 3, 4, 5], (g, _) => g.Node("Transpose", [g.Input], ("perm", new long[] { 0, 2, 3, 1 }))),
        ["Transpose default"] = (13, [2, 3, 4], (g, _) => g.Node("Transpose", [g.Input])),
        ["Concat"] = (13, [2, 3, 4], (g, w) => g.Node("Concat", [g.Input, w([2, 2, 4]), g.Input], ("axis", -2L))),
        ["Split attribute"] = (11, [2, 6, 3], (g, _) => SplitThenJoin(g, g.Nodes("Split", [g.Input], 2, ("axis", 1L), ("split", new long[] { 2, 4 })))),
        ["Split input"] = (13, [2, 6, 3], (g, _) => SplitThenJoin(g, g.Nodes("Split", [g.Input, g.Longs(4, 2)], 2, ("axis", 1L)))),
        ["Split equal"] = (13, [2, 6, 3], (g, _) => SplitThenJoin(g, g.Nodes("Split", [g.Input], 3, ("axis", 1L)))),
        ["Slice steps and clamped ends"] = (13, [2, 6, 7], (g, _) => g.Node("Slice", [g.Input, g.Longs(1, -6), g.Longs(long.MaxValue, 6), g.Longs(1, 2), g.Longs(2, 2)])),
        ["Slice negative step"] = (13, [2, 6, 7], (g, _) => g.Node("Slice", [g.Input, g.Longs(-1), g.Longs(long.MinValue), g.Longs(2), g.Longs(-2)])),
        ["Slice attributes"] = (9, [2, 6, 7], (g, _) => g.Node("Slice", [g.Input], ("starts", new long[] { 1 }), ("ends", new long[] { 4 }), ("axes", new long[] { 1 }))),
        ["Squeeze Unsqueeze attributes"] = (11, [2, 1, 4], (g, _) => g.Node("Unsqueeze", [g.Node("Squeeze", [g.Input], ("axes", new long[] { 1 }))], ("axes", new long[] { 0, 3 }))),
        ["Squeeze Unsqueeze inputs"] = (13, [2, 1, 4], (g, _) => g.Node("Unsqueeze", [g.Node("Squeeze", [g.Input, g.Longs(-2)]), g.Longs(-1, 1)])),
        ["Squeeze all"] = (13, [1, 3, 1, 4], (g, _) => g.Node("Squeeze", [g.Input])),
        ["Shape Gather Concat Reshape"] = (13, [2, 3, 4, 5], (g, _) =>
        {
            var shape = g.Node("Shape", [g.Input]);
            var batch = g.Node("Gather", [shape, g.Longs(0)], ("axis", 0L));
            return g.Node("Reshape", [g.Input, g.Node("Concat", [batch, g.Longs(-1)], ("axis", 0L))]);
        }),
        ["Gather negative index"] = (13, [2, 5, 3], (g, _) => g.Node("Gather", [g.Input, g.Longs(-1, 0, 2)], ("axis", 1L))),
        ["Expand"] = (13, [2, 1, 4], (g, _) => g.Node("Expand", [g.Input, g.Longs(3, 1, 5, 1)])),
        ["ConstantOfShape Cast"] = (13, [2, 3], (g, _) =>
        {
            var value = new TensorProto { DataType = (int)TensorProto.Types.DataType.Float };
            value.Dims.Add(1);
            value.FloatData.Add(2.5f);
            return g.Node("Mul", [g.Input, g.Node("Cast", [g.Node("ConstantOfShape", [g.Node("Shape", [g.Input])], ("value", value))], ("to", 1L))]);
        }),
        ["Constant Identity Dropout"] = (13, [2, 3], (g, _) =>
        {
            var value = new TensorProto { DataType = (int)TensorProto.Types.DataType.Float };
            value.Dims.Add(3);
            value.FloatData.AddRange([1f, -2f, 3f]);
            return g.Node("Dropout", [g.Node("Identity", [g.Node("Add", [g.Input, g.Node("Constant", [], ("value", value))])])]);
        }),
        ["Where Equal"] = (13, [2, 3], (g, _) => g.Node("Where", [g.Node("Equal", [g.Node("Cast", [g.Node("Relu", [g.Input])], ("to", 7L)), g.Longs(0)]), g.Input, g.Scalar(9f)])),
        ["Mod fmod"] = (13, [2, 5], (g, _) => g.Node("Mod", [g.Input, g.Scalar(0.7f)], ("fmod", 1L))),
        ["Mod integers Not"] = (13, [2, 5], (g, _) =>
        {
            var integers = g.Node("Cast", [g.Node("Mul", [g.Input, g.Scalar(3f)])], ("to", 7L));
            var odd = g.Node("Not", [g.Node("Equal", [g.Node("Mod", [integers, g.Longs(2)]), g.Longs(0)])]);
            return g.Node("Where", [odd, g.Input, g.Node("Cast", [g.Node("Mod", [integers, g.Longs(-3)])], ("to", 1L))]);
        }),
        ["Range"] = (13, [2, 4], (g, _) => g.Node("Add", [g.Input, g.Node("Range", [g.Scalar(0.5f), g.Scalar(3.9f), g.Scalar(0.9f)])])),
        ["ScatterND"] = (13, [2, 3, 4], (g, w) =>
        {
            var indices = new TensorProto { Name = "indices", DataType = (int)TensorProto.Types.DataType.Int64 };
            indices.Dims.AddRange([2, 2]);
            indices.Int64Data.AddRange([0, 1, 1, -1]);
            return g.Node("ScatterND", [g.Input, g.Node("Constant", [], ("value", indices)), w([2, 4])]);
        }),
        ["Pad constant"] = (13, [1, 2, 3, 4], (g, _) => g.Node("Pad", [g.Input, g.Longs(0, 0, 1, 2, 0, 0, 2, 1), g.Scalar(0.7f)])),
        ["Pad reflect"] = (13, [1, 2, 4, 5], (g, _) => g.Node("Pad", [g.Input, g.Longs(0, 0, 1, 2, 0, 0, 2, 1)], ("mode", "reflect"))),
        ["Pad edge attributes"] = (9, [1, 2, 4, 5], (g, _) => g.Node("Pad", [g.Input], ("mode", "edge"), ("pads", new long[] { 0, 0, 1, 2, 0, 0, 2, 1 }))),
        ["Resize linear half_pixel"] = (13, [1, 2, 5, 6], (g, _) => g.Node("Resize", [g.Input, string.Empty, g.Floats([1f, 1f, 2f, 2f], 4)], ("mode", "linear"))),
        ["Resize linear align_corners sizes"] = (13, [1, 2, 5, 6], (g, _) => g.Node("Resize", [g.Input, string.Empty, string.Empty, g.Longs(1, 2, 9, 13)], ("mode", "linear"), ("coordinate_transformation_mode", "align_corners"))),
        ["Resize nearest asymmetric floor"] = (11, [1, 2, 5, 6], (g, _) => g.Node("Resize", [g.Input, g.Floats([], 0), g.Floats([1f, 1f, 2f, 3f], 4)], ("mode", "nearest"), ("coordinate_transformation_mode", "asymmetric"), ("nearest_mode", "floor"))),
        ["Upsample"] = (9, [1, 2, 5, 6], (g, _) => g.Node("Upsample", [g.Input, g.Floats([1f, 1f, 2f, 2f], 4)])),
    };

    public static TheoryData<string> Names => [.. Cases.Keys];

    /// <summary>A case's model with its random weights (a seed of its own per case, the same in every run: string.GetHashCode is not) and its input shape.</summary>
    private static (byte[] Bytes, long[] Shape) Build(string name)
    {
        var (opset, shape, build) = Cases[name];
        manual_seed(name.Aggregate(17, (h, ch) => unchecked((h * 31) + ch)) & 0x7FFF);
        var builder = new GraphBuilder();
        var result = build(builder, dims => builder.Floats(randn(dims).data<float>().ToArray(), dims));
        return (builder.Build(opset, shape, result), shape);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void TheOperatorComputesWhatOnnxRuntimeComputes(string name)
    {
        var (bytes, shape) = Build(name);
        using var two = 2.0.ToScalar();
        using var input = randn(shape).mul(two);
        using var model = OnnxModel.Load(new MemoryStream(bytes), name, shape);
        var expected = OnnxReference.Run(bytes, input);
        using var actual = model.call(input);
        var difference = OnnxReference.RelativeDifference(expected, actual.contiguous().to(float32).data<float>().ToArray());
        output.WriteLine($"{name}: {difference:E2}");
        Assert.True(difference < 1e-5, $"{name}: {difference:E2} of the output's scale from ONNX Runtime's.");
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void TheOperatorsGradientsEqualFiniteDifferences(string name)
    {
        var (bytes, shape) = Build(name);
        using var model = OnnxModel.Load(new MemoryStream(bytes), name, shape);
        // In double precision, where a central difference with a step of 1e-6 is good to about 1e-9 of the gradient.
        model.to(float64);
        using var scope = NewDisposeScope();
        var input = randn(shape, float64).mul(Scalars.Of(2)).requires_grad_();
        var probe = model.call(input);
        var weights = randn(probe.shape, float64);
        double Loss()
        {
            using var inner = NewDisposeScope();
            return model.call(input).to(float64).mul(weights).sum().item<double>();
        }

        var leaves = new[] { ("the input", input) }.Concat(model.named_parameters().Select(p => ($"'{p.name}'", (Tensor)p.parameter))).ToArray();
        var gradients = autograd.grad([probe.to(float64).mul(weights).sum()], [.. leaves.Select(l => l.Item2)], allow_unused: true);
        using var noGrad = no_grad();
        using var step = 1e-6.ToScalar();
        var worst = 0.0;
        for (var k = 0; k < leaves.Length; k++)
        {
            var (what, leaf) = leaves[k];
            var flat = leaf.view(-1);
            // A weight the graph reads only at load (Clip's bounds, Resize's scales) gets no gradient: libtorch's undefined tensor.
            var analytic = gradients[k] is { IsInvalid: false } g ? g.reshape(-1).data<double>().ToArray() : new double[flat.shape[0]];
            var scale = Math.Max(analytic.Where(double.IsFinite).DefaultIfEmpty(0).Max(Math.Abs), 1e-3);
            // At most 48 elements per tensor, spread evenly over it.
            var count = (int)flat.shape[0];
            foreach (var i in Enumerable.Range(0, Math.Min(count, 48)).Select(j => (long)j * count / Math.Min(count, 48)).Distinct())
            {
                var element = flat[i];
                element.add_(step, Scalars.Of(1));
                var plus = Loss();
                element.sub_(step).sub_(step);
                var minus = Loss();
                element.add_(step, Scalars.Of(1));
                var numeric = (plus - minus) / 2e-6;
                // Pow's gradient for its exponent at a negative base is undefined both ways (NaN): they agree.
                var difference = double.IsNaN(numeric) && double.IsNaN(analytic[i]) ? 0 : Math.Abs(numeric - analytic[i]) / scale;
                worst = Math.Max(worst, difference);
                Assert.True(difference < 1e-5, $"{name}: d/d{what}[{i}] is {analytic[i]:G6} by autograd, {numeric:G6} by finite differences.");
            }
        }

        output.WriteLine($"{name}: {leaves.Length} tensors, largest difference {worst:E2} of the gradient's scale");
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void TheOperatorRunsOnTheDeviceOfTheModel(string name)
    {
        // The meta device (shapes without data) stands in for a GPU: a host tensor that met the model's tensors as data, or
        // a result made on the host, would be a mixed-device error here as on CUDA. Host reads of the model's own data
        // (which a GPU would pay for in every pass) fail here too.
        var (bytes, shape) = Build(name);
        using var model = OnnxModel.Load(new MemoryStream(bytes), name, shape);
        using var onHost = model.call(randn(shape));
        var meta = new Device(DeviceType.META);
        model.to(meta);
        using var noGrad = no_grad();
        Tensor onMeta;
        try
        {
            onMeta = model.call(empty(shape, device: meta));
        }
        catch (System.Runtime.InteropServices.ExternalException e) when (e.Message.Contains("no fake impl or Meta kernel registered", StringComparison.Ordinal) || e.Message.StartsWith("convolution_overrideable not implemented", StringComparison.Ordinal))
        {
            // libtorch has no meta kernel for this operator (Conv, Relu, Where, HardSwish, BatchNormalization…): the node
            // reached its kernel with every tensor on the model's device, which is what this test can see for it. 51 of
            // the 66 cases run through on meta.
            output.WriteLine($"{name}: no meta kernel ({e.Message.Split('\n')[0].Split(':')[0]})");
            return;
        }

        using (onMeta)
        {
            Assert.Equal(DeviceType.META, onMeta.device_type);
            Assert.Equal(onHost.shape, onMeta.shape);
        }
    }

    [Fact]
    public void InitializersThatOnlySetANodeAreConstantsNotWeights()
    {
        // A Conv's weight and bias are weights; the Clip's bounds, the Pad's value and the Resize's scales set how those
        // nodes work: read on the host, no gradient reaches them, so they are not parameters a user would train or inspect.
        var g = new GraphBuilder();
        var weight = g.Floats(new float[2 * 3 * 3 * 3], 2, 3, 3, 3);
        var bias = g.Floats([0.5f, -0.5f], 2);
        var conv = g.Node("Conv", [g.Input, weight, bias]);
        var clipped = g.Node("Clip", [conv, g.Scalar(0f), g.Scalar(6f)]);
        var padded = g.Node("Pad", [clipped, g.Longs(0, 0, 1, 1, 0, 0, 1, 1), g.Scalar(0.25f)]);
        var resized = g.Node("Resize", [padded, string.Empty, g.Floats([1f, 1f, 2f, 2f], 4)], ("mode", "linear"));
        using var model = OnnxModel.Load(new MemoryStream(g.Build(13, [1, 3, 6, 6], resized)), "settings");
        Assert.Equal([weight, bias], model.named_parameters().Select(p => p.name.Replace("c_", string.Empty, StringComparison.Ordinal)));
        Assert.Empty(model.named_buffers());
        using var output = model.call(ones(1, 3, 6, 6));
        Assert.Equal([1, 2, 12, 12], output.shape);
        // The bias passes the ReLU6 and the Pad's value fills the border, before the resize: 0.5 inside, 0.25 at the corner.
        Assert.Equal(0.5f, output[0, 0, 6, 6].item<float>(), 6);
        Assert.Equal(0.25f, output[0, 0, 0, 0].item<float>(), 6);
    }

    [Fact]
    public void ALeakyReluNodeIsALeakyReLUThatHoldsItsSlope()
    {
        // TorchSharp's LeakyReLU module passes libtorch its slope as a Scalar nothing holds; the importer's module holds
        // it, computes the same, and Guided Backpropagation refuses it by the same name.
        var g = new GraphBuilder();
        var leaky = g.Node("LeakyRelu", [g.Node("Conv", [g.Input, g.Floats([1f, -1f, 0.5f], 1, 3, 1, 1)])], ("alpha", 0.2f));
        using var model = OnnxModel.Load(new MemoryStream(g.Build(13, [1, 3, 4, 4], leaky)), "leaky");
        Assert.Equal(["LeakyReLU"], model.modules().Where(m => !m.children().Any() && m.GetName() == "LeakyReLU").Select(m => m.GetName()));
        Assert.Null(CamSdk.Internal.HeldScalarModules.FirstUnknown(model));
        using var input = arange(Scalars.Of(-24), Scalars.Of(24), Scalars.Of(1), float32).reshape(1, 3, 4, 4);
        using var output = model.call(input);
        using var half = 0.5.ToScalar();
        using var slope = 0.2.ToScalar();
        using var convolved = (input[0, 0] - input[0, 1]).Plus(input[0, 2].mul(half));
        using var expected = convolved.leaky_relu(slope);
        Assert.Equal(expected.data<float>().ToArray(), output[0, 0].data<float>().ToArray());
        var refused = Assert.Throws<CamSdk.CamModelException>(() => new CamSdk.Guided.GuidedBackpropagation(model).Explain(input, CamSdk.Targets.CamTarget.Class(0)));
        Assert.Contains("LeakyReLU (1, e.g.", refused.Message, StringComparison.Ordinal);
    }

    private static string SplitThenJoin(GraphBuilder g, string[] parts) =>
        g.Node("Concat", [.. parts.Select((p, i) => g.Node("Mul", [p, g.Scalar(i + 1f)]))], ("axis", 1L));
}
