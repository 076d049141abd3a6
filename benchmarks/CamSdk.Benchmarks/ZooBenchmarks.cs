using BenchmarkDotNet.Attributes;
using CamSdk.Models;
using CamSdk.Targets;
using static TorchSharp.torch;

namespace CamSdk.Benchmarks;

/// <summary>
/// One model of each family of the zoo at 224×224, batch 1, random weights, CPU: CamSdk's Grad-CAM at the model's
/// default layer against a plain forward pass. benchmarks/zoo/pytorch_grad_cam_zoo.py times pytorch-grad-cam on the
/// same architectures in the same session.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 7)]
public class ZooBenchmarks
{
    private nn.Module<Tensor, Tensor> _model = null!;
    private CamExplainer _explainer = null!;
    private Tensor _input = null!;

    [Params("resnet50", "densenet121", "efficientnet_b0", "mobilenet_v3_large", "convnext_tiny", "vit_b_16", "swin_t")]
    public string Architecture { get; set; } = "resnet50";

    [GlobalSetup]
    public void Setup()
    {
        Machine.Prepare();
        manual_seed(1);
        _model = ModelZoo.Create(Architecture);
        _model.eval();
        var explainable = (IExplainableModel)_model;
        var index = explainable.ExplainableFacts.DefaultLayer;
        _explainer = new CamExplainer(_model, explainable.GetExplainableLayer(index)); // with the reshape the model states
        _input = randn(1, 3, 224, 224);
    }

    [GlobalCleanup]
    public void Cleanup() => _input.Dispose();

    [Benchmark(Baseline = true)]
    public float PlainForward()
    {
        using var noGrad = no_grad();
        using var output = _model.call(_input);
        return output[0, 281].item<float>();
    }

    [Benchmark]
    public float CamSdkGradCam()
    {
        using var result = _explainer.Explain(_input, CamTarget.Class(281));
        return result.Heatmaps[0, 100, 100].item<float>();
    }
}
