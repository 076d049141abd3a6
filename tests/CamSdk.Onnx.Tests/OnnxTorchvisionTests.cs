using CamSdk.Guided;
using CamSdk.Models;
using CamSdk.Onnx;
using CamSdk.Targets;
using CamSdk.Tests.Support;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace CamSdk.Tests;

/// <summary>
/// torchvision classifiers exported by torch.onnx.export (TestData/torchvision/export_torchvision.py): the imported
/// graph computes what ONNX Runtime computes, and explains as the zoo's native model with the same weights does.
/// </summary>
public sealed class OnnxTorchvisionTests(ITestOutputHelper output)
{
    public static TheoryData<string> Graphs => new()
    {
        "resnet18-opset13.graph.onnx",
        "squeezenet1_1-opset11.graph.onnx",
        "mobilenet_v3_small-opset17.graph.onnx",
        "shufflenet_v2_x0_5-opset13.graph.onnx",
    };

    [Theory]
    [MemberData(nameof(Graphs))]
    public void AnExportWithTheFixedWeightsComputesWhatOnnxRuntimeComputes(string file)
    {
        var bytes = OnnxReference.WithFixedWeights(file);
        using var model = OnnxModel.Load(new MemoryStream(bytes), file);
        manual_seed(5);
        using var batch = cat([FixedWeights.Input(), randn(1, 3, 224, 224)]);
        var expected = OnnxReference.Run(bytes, batch);
        using var logits = model.call(batch);
        Assert.Equal([2, 10], logits.shape);
        var difference = OnnxReference.RelativeDifference(expected, logits.data<float>().ToArray());
        output.WriteLine($"{file}: {difference:E2}");
        Assert.True(difference < 1e-4, $"{file}: {difference:E2} of the logits' scale from ONNX Runtime's.");
    }

    [Theory]
    [InlineData("shufflenet_v2_x0_5-opset11.onnx")]
    [InlineData("squeezenet1_1-opset17.onnx")]
    public void AnExportAsUsersMakeItComputesWhatOnnxRuntimeComputes(string file)
    {
        var path = OnnxReference.PathOf(file);
        using var model = OnnxModel.Load(path);
        using var input = FixedWeights.Input();
        var expected = OnnxReference.Run(File.ReadAllBytes(path), input);
        using var logits = model.call(input);
        var difference = OnnxReference.RelativeDifference(expected, logits.data<float>().ToArray());
        output.WriteLine($"{file}: {difference:E2}");
        Assert.True(difference < 1e-4, $"{file}: {difference:E2} of the logits' scale from ONNX Runtime's.");
    }

    [Fact]
    public void AnImportedResNet18ExplainsAsTheZoosResNet18WithTheSameWeights()
    {
        using var imported = OnnxModel.Load(new MemoryStream(OnnxReference.WithFixedWeights("resnet18-opset13.graph.onnx")), "resnet18");
        using var zoo = ModelZoo.Create("resnet18", numClasses: 10);
        FixedWeights.Apply(zoo);
        zoo.eval();

        // The default layer is layer4's last ReLU, which is the zoo's layer4 output.
        Assert.Equal("/layer4/layer4.1/relu_1/Relu", imported.DefaultLayerInfo!.Name);
        Assert.Equal([1, 512, 7, 7], imported.DefaultLayerInfo.Shape);

        using var input = FixedWeights.Input();
        var zooLayer = (nn.Module<Tensor, Tensor>)zoo.named_modules().Single(m => m.name == "layer4").module;
        foreach (var target in new[] { CamTarget.Class(3), CamTarget.Class(7) })
        {
            using var expected = new CamExplainer(zoo, zooLayer).Explain(input, target);
            using var actual = new CamExplainer(imported, imported.DefaultLayer).Explain(input, target);
            var scale = expected.RawMaps.abs().max().item<float>();
            Assert.True(scale > 0, "A flat map would not compare the two.");
            var (raw, heat) = (Tensors.MaxAbsDifference(expected.RawMaps, actual.RawMaps) / scale, Tensors.MaxAbsDifference(expected.Heatmaps, actual.Heatmaps));
            output.WriteLine($"{target}: raw maps {raw:E2} of their scale, heatmaps {heat:E2}");
            Assert.True(raw < 1e-5, "The raw maps differ.");
            Assert.True(heat < 1e-5, "The heatmaps differ.");
        }

        // Every ReLU is a module on both sides, so Guided Backpropagation guides both the same way.
        using var guidedZoo = new GuidedBackpropagation(zoo).Explain(input, CamTarget.Class(3));
        using var guidedImported = new GuidedBackpropagation(imported).Explain(input, CamTarget.Class(3));
        var guided = Tensors.MaxAbsDifference(guidedZoo.Gradients, guidedImported.Gradients) / guidedZoo.Gradients.abs().max().item<float>();
        output.WriteLine($"Guided Backpropagation: {guided:E2} of its scale");
        Assert.True(guided < 1e-5, "The guided gradients differ.");
    }

    [CudaFact]
    public void CudaImportedModelsComputeAndExplainAsOnTheCpu()
    {
        foreach (var file in new[] { "resnet18-opset13.graph.onnx", "squeezenet1_1-opset11.graph.onnx", "mobilenet_v3_small-opset17.graph.onnx", "shufflenet_v2_x0_5-opset13.graph.onnx" })
        {
            using var model = OnnxModel.Load(new MemoryStream(OnnxReference.WithFixedWeights(file)), file);
            using var input = FixedWeights.Input();
            using var cpuLogits = model.call(input);
            using var onCpu = new CamExplainer(model, model.DefaultLayer).Explain(input, CamTarget.Class(3));
            model.to(CUDA);
            using var cudaInput = input.to(CUDA);
            using var cudaLogits = model.call(cudaInput);
            using var onCuda = new CamExplainer(model, model.DefaultLayer).Explain(cudaInput, CamTarget.Class(3));
            var logits = Tensors.MaxAbsDifference(cpuLogits, cudaLogits) / cpuLogits.abs().max().item<float>();
            var heat = Tensors.MaxAbsDifference(onCpu.Heatmaps, onCuda.Heatmaps);
            output.WriteLine($"{file} on CUDA: logits {logits:E2} of their scale, heatmaps {heat:E2}");
            Assert.True(logits < 1e-3 && heat < 1e-3, $"{file}: logits {logits:E2}, heatmaps {heat:E2} from the CPU's.");
        }
    }
}
