using CamSdk.Onnx;
using CamSdk.Tests.Support;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace CamSdk.Tests;

/// <summary>The standing seeded fuzz of the ONNX importer (<see cref="Fuzzer"/>): every mutated model loads and runs, or is a CamException.</summary>
public sealed class OnnxFuzzTests(ITestOutputHelper output)
{
    private readonly Fuzzer _fuzzer = new(output);

    /// <summary>A small CNN: convolution, batch normalisation, ReLU, pooling, a dense head.</summary>
    private static byte[] Cnn()
    {
        manual_seed(8);
        var g = new GraphBuilder();
        string W(params long[] dims) => g.Floats(randn(dims).data<float>().ToArray(), dims);
        var x = g.Node("Conv", [g.Input, W(4, 3, 3, 3), W(4)], ("pads", new long[] { 1, 1, 1, 1 }));
        x = g.Node("BatchNormalization", [x, W(4), W(4), W(4), g.Floats([1f, 2f, 3f, 4f], 4)]);
        x = g.Node("MaxPool", [g.Node("Relu", [x])], ("kernel_shape", new long[] { 2, 2 }), ("strides", new long[] { 2, 2 }));
        x = g.Node("Flatten", [g.Node("GlobalAveragePool", [x])]);
        return g.Build(13, [1, 3, 8, 8], g.Node("Gemm", [x, W(5, 4), W(5)], ("transB", 1L)));
    }

    /// <summary>Shape arithmetic as torch exports it: Shape, Gather, Concat, Reshape, Slice, Split, Transpose, Expand.</summary>
    private static byte[] Shapes()
    {
        var g = new GraphBuilder();
        var shape = g.Node("Shape", [g.Input]);
        var batch = g.Node("Gather", [shape, g.Longs(0)], ("axis", 0L));
        var flat = g.Node("Reshape", [g.Input, g.Node("Concat", [batch, g.Longs(-1)], ("axis", 0L))]);
        var parts = g.Nodes("Split", [flat, g.Longs(64, 128)], 2, ("axis", 1L));
        var sliced = g.Node("Slice", [parts[1], g.Longs(3), g.Longs(100), g.Longs(1), g.Longs(2)]);
        var joined = g.Node("Concat", [parts[0], sliced], ("axis", 1L));
        var wide = g.Node("Expand", [g.Node("Unsqueeze", [joined, g.Longs(0)]), g.Longs(2, 1, 1)]);
        return g.Build(13, [1, 3, 8, 8], g.Node("Transpose", [wide], ("perm", new long[] { 1, 0, 2 })));
    }

    [Fact]
    public void MutatedOnnxModelsLoadAndRunOrAreRefused()
    {
        var (loaded, refused) = _fuzzer.Fuzz([("cnn", Cnn()), ("shapes", Shapes())], 1024, (bytes, name) =>
        {
            using var model = OnnxModel.Load(new MemoryStream(bytes), name);
            using var input = ones(1, 3, 8, 8);
            using var result = model.call(input);
        });
        Assert.Equal(Fuzzer.Mutations, loaded + refused);
        Assert.True(refused > Fuzzer.Mutations / 3, $"only {refused} of {Fuzzer.Mutations} mutations were refused");
    }
}
