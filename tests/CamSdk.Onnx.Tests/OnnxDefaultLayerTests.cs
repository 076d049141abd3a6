using CamSdk.Onnx;
using CamSdk.Tests.Support;
using static TorchSharp.torch;

namespace CamSdk.Tests;

/// <summary>The default layer: the last N×C×h×w output (h, w &gt; 1) before the pooling that leads to the head.</summary>
public sealed class OnnxDefaultLayerTests
{
    [Fact]
    public void ASqueezeAndExcitationPoolingInsideABlockDoesNotStopTheSearch()
    {
        manual_seed(2);
        var g = new GraphBuilder();
        string W(params long[] dims) => g.Floats(randn(dims).data<float>().ToArray(), dims);
        var x = g.Node("Relu", [g.Node("Conv", [g.Input, W(8, 3, 3, 3)], ("pads", new long[] { 1, 1, 1, 1 }))]);
        // A squeeze-and-excitation block: its own global pooling, as EfficientNet, MobileNet v3 and RegNet Y have.
        var squeeze = g.Node("GlobalAveragePool", [x]);
        var excite = g.Node("Sigmoid", [g.Node("Conv", [squeeze, W(8, 8, 1, 1)])]);
        x = g.Node("Mul", [x, excite]);
        var last = g.Node("Relu", [g.Node("Conv", [x, W(16, 8, 3, 3)], ("strides", new long[] { 2, 2 }))]);
        var head = g.Node("Gemm", [g.Node("Flatten", [g.Node("GlobalAveragePool", [last])]), W(4, 16)], ("transB", 1L));
        using var model = OnnxModel.Load(new MemoryStream(g.Build(13, [1, 3, 16, 16], head)), "se.onnx");
        Assert.Equal(last, model.DefaultLayerInfo!.Outputs[0]);
        Assert.Equal([1, 16, 7, 7], model.DefaultLayerInfo.Shape);
        Assert.Same(model.Layer(last), model.DefaultLayer);
    }

    [Fact]
    public void AModelWithoutASpatialOutputHasNoDefaultAndSaysSo()
    {
        var g = new GraphBuilder();
        using var model = OnnxModel.Load(new MemoryStream(g.Build(13, [2, 6], g.Node("Relu", [g.Input]))), "dense.onnx", [2, 6]);
        Assert.Null(model.DefaultLayerInfo);
        var error = Assert.Throws<CamLayerException>(() => model.DefaultLayer);
        Assert.Contains("Layer(name)", error.Message);
    }
}
