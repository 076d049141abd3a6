using BenchmarkDotNet.Attributes;
using CamSdk.Models;
using CamSdk.Onnx;
using CamSdk.Onnx.Protobuf;
using CamSdk.Targets;
using CamSdk.Tests.Support;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using static TorchSharp.torch;
using Tensor = TorchSharp.torch.Tensor;

namespace CamSdk.Benchmarks;

/// <summary>
/// torchvision's ResNet-18 and MobileNet v3 small exported by torch.onnx.export (the tests' exports with their fixed
/// weights), 224×224, batch 1, CPU: the imported model's forward pass against ONNX Runtime's (same threads) and the
/// zoo's native TorchSharp model, and Grad-CAM on the imported model against Grad-CAM on the zoo's. oneDNN stays on
/// for forward passes.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 9)]
public class OnnxBenchmarks
{
    private OnnxModel _imported = null!;
    private nn.Module<Tensor, Tensor> _zoo = null!;
    private InferenceSession _session = null!;
    private CamExplainer _importedExplainer = null!;
    private CamExplainer _zooExplainer = null!;
    private Tensor _input = null!;
    private NamedOnnxValue[] _ortInput = null!;

    [Params("resnet18", "mobilenet_v3_small")]
    public string Architecture { get; set; } = "resnet18";

    [GlobalSetup]
    public void Setup()
    {
        // Unlike the other benchmarks, oneDNN stays on for the forward passes (as CamSdk leaves it for forward-only work):
        // ONNX Runtime is compared with libtorch at its speed. Grad-CAM's gradient pass runs without oneDNN on a machine
        // whose oneDNN gradients are wrong, as it always does.
        Console.WriteLine($"// oneDNN for forward passes: {NativeBackend.OneDnnEnabled}; its gradients wrong here: {NativeBackend.OneDnnGradientsAreWrong}; torch threads: {get_num_threads()}");
        var file = Architecture == "resnet18" ? "resnet18-opset13.graph.onnx" : "mobilenet_v3_small-opset17.graph.onnx";
        var proto = ModelProto.Parser.ParseFrom(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "onnx", file)));
        FixedOnnxWeights.Fill(proto);

        var model = proto.ToByteArray();
        _imported = OnnxModel.Load(new MemoryStream(model), file);
        _zoo = ModelZoo.Create(Architecture, numClasses: 10);
        FixedWeights.Apply(_zoo);
        _zoo.eval();
        _session = new InferenceSession(model, new SessionOptions { IntraOpNumThreads = get_num_threads(), InterOpNumThreads = 1 });
        _input = FixedWeights.Input();
        _ortInput = [NamedOnnxValue.CreateFromTensor("image", new DenseTensor<float>(_input.data<float>().ToArray(), [1, 3, 224, 224]))];
        _importedExplainer = new CamExplainer(_imported, _imported.DefaultLayer);
        var explainable = (IExplainableModel)_zoo;
        _zooExplainer = new CamExplainer(_zoo, explainable.GetExplainableLayer(explainable.ExplainableFacts.DefaultLayer));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _session.Dispose();
        _input.Dispose();
        _imported.Dispose();
        _zoo.Dispose();
    }

    [Benchmark(Baseline = true)]
    public float ImportedForward()
    {
        using var noGrad = no_grad();
        using var output = _imported.call(_input);
        return output[0, 3].item<float>();
    }

    [Benchmark]
    public float OnnxRuntimeForward()
    {
        using var results = _session.Run(_ortInput);
        return results[0].AsTensor<float>()[0, 3];
    }

    [Benchmark]
    public float ZooForward()
    {
        using var noGrad = no_grad();
        using var output = _zoo.call(_input);
        return output[0, 3].item<float>();
    }

    [Benchmark]
    public float ImportedGradCam()
    {
        using var result = _importedExplainer.Explain(_input, CamTarget.Class(3));
        return result.Heatmaps[0, 100, 100].item<float>();
    }

    [Benchmark]
    public float ZooGradCam()
    {
        using var result = _zooExplainer.Explain(_input, CamTarget.Class(3));
        return result.Heatmaps[0, 100, 100].item<float>();
    }
}
