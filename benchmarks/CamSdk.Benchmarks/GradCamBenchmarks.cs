using BenchmarkDotNet.Attributes;
using CamSdk.Targets;
using TorchSharp;
using static TorchSharp.torch;

namespace CamSdk.Benchmarks;

/// <summary>
/// Grad-CAM of TorchVision's resnet18 and resnet50 at 224×224, batch 1: CamSdk (gradient to the explained layer only)
/// against the way pytorch-grad-cam computes it (a full backward pass that also fills every parameter's .grad),
/// both in TorchSharp, side by side in one run.
/// </summary>
[MemoryDiagnoser]
public class GradCamBenchmarks
{
    private nn.Module<Tensor, Tensor> _model = null!;
    private nn.Module<Tensor, Tensor> _layer4 = null!;
    private CamExplainer _explainer = null!;
    private Tensor _input = null!;

    [Params("resnet18", "resnet50")]
    public string Architecture { get; set; } = "resnet18";

    [GlobalSetup]
    public void Setup()
    {
        manual_seed(1);
        _model = Architecture == "resnet50" ? torchvision.models.resnet50() : torchvision.models.resnet18();
        _model.eval();
        _layer4 = (nn.Module<Tensor, Tensor>)_model.named_children().Single(c => c.name == "layer4").module;
        _explainer = new CamExplainer(_model, _layer4);
        _input = randn(1, 3, 224, 224);
    }

    [GlobalCleanup]
    public void Cleanup() => _input.Dispose();

    [Benchmark]
    public float CamSdk()
    {
        using var result = _explainer.Explain(_input, CamTarget.Class(281));
        return result.Heatmaps[0, 100, 100].item<float>();
    }

    /// <summary>pytorch-grad-cam's algorithm: hook A, backward through the whole network, α = mean of A's gradient.</summary>
    [Benchmark(Baseline = true)]
    public float FullBackward()
    {
        using var scope = NewDisposeScope();
        Tensor? activation = null;
        var hook = _layer4.register_forward_hook((_, _, output) =>
        {
            output.retain_grad();
            activation = output.DetachFromDisposeScope();
            return output;
        });
        try
        {
            _model.zero_grad();
            var logits = _model.call(_input);
            logits[0, 281].backward();
            var alpha = activation!.grad!.mean([2L, 3L], keepdim: true);
            var raw = (alpha * activation.detach()).sum(1, keepdim: true).relu();
            var up = nn.functional.interpolate(raw, [224, 224], mode: InterpolationMode.Bilinear, align_corners: false);
            up = up - up.min();
            return (up / (up.max() + 1e-7))[0, 0, 100, 100].item<float>();
        }
        finally
        {
            hook.remove();
            activation?.Dispose();
        }
    }
}
