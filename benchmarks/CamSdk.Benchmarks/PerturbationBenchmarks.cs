using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using CamSdk.Methods;
using CamSdk.Targets;
using TorchSharp;
using static TorchSharp.torch;

namespace CamSdk.Benchmarks;

/// <summary>
/// Score-CAM and Ablation-CAM of TorchVision's resnet18 at layer4 (512 channels, so 512 extra forward passes) at
/// 224×224, batch 1, by the number of masked or ablated inputs per pass, on libtorch's default kernels (no gradient is
/// computed, so CamSdk leaves oneDNN on). Each call takes seconds: few iterations.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 3)]
public class PerturbationBenchmarks
{
    private CamExplainer _explainer = null!;
    private Tensor _input = null!;
    private CamMethod _scoreCam = null!;
    private CamMethod _ablationCam = null!;

    [Params(16, 64)]
    public int BatchSize { get; set; } = 16;

    [GlobalSetup]
    public void Setup()
    {
        // No Machine.Prepare: Score-CAM and Ablation-CAM compute no gradient, so they run on the default kernels.
        manual_seed(1);
        var model = torchvision.models.resnet18();
        model.eval();
        _explainer = new CamExplainer(model, (nn.Module<Tensor, Tensor>)model.named_children().Single(c => c.name == "layer4").module);
        _input = randn(1, 3, 224, 224);
        _scoreCam = new ScoreCam { BatchSize = BatchSize };
        _ablationCam = new AblationCam { BatchSize = BatchSize };
    }

    [GlobalCleanup]
    public void Cleanup() => _input.Dispose();

    [Benchmark]
    public float ScoreCam()
    {
        using var results = _explainer.Explain(_input, [_scoreCam], CamTarget.Class(281));
        return results[0].Heatmaps[0, 100, 100].item<float>();
    }

    [Benchmark]
    public float AblationCam()
    {
        using var results = _explainer.Explain(_input, [_ablationCam], CamTarget.Class(281));
        return results[0].Heatmaps[0, 100, 100].item<float>();
    }
}
