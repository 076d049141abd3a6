using CamSdk.Onnx;
using CamSdk.Tests.Support;
using static TorchSharp.torch;

namespace CamSdk.Tests;

/// <summary>What the importer refuses, and how: by name, at load, as a CamSdk exception.</summary>
public sealed class OnnxLoadErrorTests : IDisposable
{
    private readonly TemporaryFolder _folder = new("camsdk-onnx-errors");

    public void Dispose() => _folder.Dispose();

    private static byte[] ReluModel(int opset = 13, string domain = "")
    {
        var g = new GraphBuilder();
        return g.Build(opset, [1, 3, 8, 8], g.Node("Relu", [g.Input]), domain);
    }

    [Fact]
    public void AnUnsupportedOperatorIsNamedWithItsNodeOpsetAndTheSupportedList()
    {
        var g = new GraphBuilder();
        var bytes = g.Build(13, [1, 3, 8, 8], g.Node("GridSample", [g.Node("Relu", [g.Input]), g.Input]));
        var error = Assert.Throws<CamModelException>(() => OnnxModel.Load(new MemoryStream(bytes), "grid.onnx"));
        Assert.Contains("GridSample node 'GridSample_1'", error.Message);
        Assert.Contains("opset 13", error.Message);
        Assert.Contains("Conv, ", error.Message);
        Assert.Contains("Supported:", error.Message);
    }

    [Theory]
    [InlineData(6)]
    [InlineData(19)]
    public void AnOpsetOutsideTheRangeIsRefusedWithTheRange(int opset)
    {
        var error = Assert.Throws<CamModelException>(() => OnnxModel.Load(new MemoryStream(ReluModel(opset)), "m.onnx"));
        Assert.Contains($"opset {opset}", error.Message);
        Assert.Contains($"opsets {OnnxModel.MinOpset} to {OnnxModel.MaxOpset}", error.Message);
    }

    [Fact]
    public void AnotherDomainIsRefusedByName()
    {
        var g = new GraphBuilder();
        var bytes = g.Build(13, [1, 3, 8, 8], g.Node("Relu", [g.Input]));
        var model = CamSdk.Onnx.Protobuf.ModelProto.Parser.ParseFrom(bytes);
        model.Graph.Node[0].Domain = "com.microsoft";
        var error = Assert.Throws<CamModelException>(() => OnnxModel.Load(new MemoryStream(Google.Protobuf.MessageExtensions.ToByteArray(model)), "fused.onnx"));
        Assert.Contains("'com.microsoft'", error.Message);
        Assert.Contains("Relu node 'Relu_0'", error.Message);
    }

    [Fact]
    public void AnUnsupportedElementTypeIsNamed()
    {
        var g = new GraphBuilder();
        var bytes = g.Build(13, [1, 3, 8, 8], g.Node("Relu", [g.Input]));
        var model = CamSdk.Onnx.Protobuf.ModelProto.Parser.ParseFrom(bytes);
        var half = new CamSdk.Onnx.Protobuf.TensorProto { Name = "w", DataType = (int)CamSdk.Onnx.Protobuf.TensorProto.Types.DataType.Float16 };
        half.Dims.Add(1);
        half.RawData = Google.Protobuf.ByteString.CopyFrom(0, 60);
        model.Graph.Initializer.Add(half);
        var error = Assert.Throws<CamModelException>(() => OnnxModel.Load(new MemoryStream(Google.Protobuf.MessageExtensions.ToByteArray(model)), "half.onnx"));
        Assert.Contains("initializer 'w'", error.Message);
        Assert.Contains("FLOAT16", error.Message);
        Assert.Contains("float32", error.Message);
    }

    [Fact]
    public void ATruncatedFileIsAWeightsErrorAtEveryLength()
    {
        var bytes = File.ReadAllBytes(OnnxReference.PathOf("squeezenet1_1-opset11.graph.onnx"));
        var refused = 0;
        foreach (var length in new[] { 1, 7, 100, bytes.Length / 3, bytes.Length / 2, bytes.Length - 1 })
        {
            var error = Record.Exception(() => OnnxModel.Load(new MemoryStream(bytes[..length]), "cut.onnx").Dispose());
            Assert.True(error is CamWeightsException or CamModelException, $"Cut at {length}: {error?.GetType().Name ?? "accepted"}: {error?.Message}");
            refused++;
        }

        Assert.Equal(6, refused);
    }

    [Fact]
    public void AnInitializerWhoseDataDoesNotMatchItsShapeIsDamaged()
    {
        var g = new GraphBuilder();
        var bytes = g.Build(13, [1, 3, 8, 8], g.Node("Add", [g.Input, g.Floats([1f, 2f], 3)]));
        var error = Assert.Throws<CamWeightsException>(() => OnnxModel.Load(new MemoryStream(bytes), "short.onnx"));
        Assert.Contains("declares 3 elements but holds 2", error.Message);
    }

    [Fact]
    public void NotOnnxAtAllIsAWeightsError()
    {
        var path = Path.Combine(_folder.Path, "picture.onnx");
        File.WriteAllBytes(path, [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13]);
        var error = Assert.Throws<CamWeightsException>(() => OnnxModel.Load(path));
        Assert.Contains("picture.onnx", error.Message);
    }

    [Fact]
    public void AMissingFileIsNamed()
    {
        var error = Assert.Throws<CamWeightsException>(() => OnnxModel.Load(Path.Combine(_folder.Path, "none.onnx")));
        Assert.Contains("none.onnx", error.Message);
    }

    [Fact]
    public void AnUnknownLayerNameListsTheClosest()
    {
        var g = new GraphBuilder();
        using var model = OnnxModel.Load(new MemoryStream(g.Build(13, [1, 3, 8, 8], g.Node("Relu", [g.Node("Relu", [g.Input])]))), "m.onnx");
        Assert.Same(model.Layer("Relu_0"), model.Layer("Relu_0_out0"));
        var error = Assert.Throws<CamLayerException>(() => model.Layer("relu"));
        Assert.Contains("'Relu_0'", error.Message);
    }

    [Fact]
    public void AGraphThatDoesNotRunIsRefusedAtLoadNamingTheNode()
    {
        var g = new GraphBuilder();
        var bytes = g.Build(13, [1, 3, 8, 8], g.Node("MatMul", [g.Input, g.Floats(new float[15], 5, 3)]));
        var error = Assert.Throws<CamModelException>(() => OnnxModel.Load(new MemoryStream(bytes), "m.onnx"));
        Assert.Contains("MatMul node 'MatMul_1'", error.Message);
        Assert.Contains("[1, 3, 8, 8]", error.Message);
    }

    [Fact]
    public void ForwardPassesLeaveNoTensorBehindAndDisposingFreesEveryWeight()
    {
        var bytes = OnnxReference.WithFixedWeights("squeezenet1_1-opset11.graph.onnx");
        var model = OnnxModel.Load(new MemoryStream(bytes), "squeezenet");
        var weights = model.parameters().Concat(model.buffers()).ToArray();
        Assert.Equal(52, weights.Length);
        using (var warmInput = zeros(1, 3, 64, 64))
        using (var warm = model.call(warmInput))
        {
        }

        // TorchSharp counts a Parameter's source tensor as live after its handle moved, so the count is taken after load.
        var before = Tensor.TotalCount;
        for (var i = 0; i < 3; i++)
        {
            using var input = zeros(1, 3, 64, 64);
            using var output = model.call(input);
        }

        Assert.Equal(before, Tensor.TotalCount);
        model.Dispose();
        Assert.All(weights, w => Assert.True(w.IsInvalid));
    }
}
