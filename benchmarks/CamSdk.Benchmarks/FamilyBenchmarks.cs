using BenchmarkDotNet.Attributes;
using CamSdk.Methods;
using CamSdk.Targets;
using TorchSharp;
using static TorchSharp.torch;

namespace CamSdk.Benchmarks;

/// <summary>
/// TorchVision's resnet50 at 224×224, random weights, CPU: CamSdk's Grad-CAM against the bare minimum a hand-written
/// TorchSharp program needs, against forward + a full backward() (what the Python tools do), all gradient methods at
/// once against Grad-CAM alone, and a plain forward pass; at batch 1, 8 and 32.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 5)]
public class FamilyBenchmarks
{
    private static readonly CamMethod[] GradientMethods =
        [CamMethods.GradCam, CamMethods.GradCamPlusPlus, CamMethods.XGradCam, CamMethods.HiResCam, CamMethods.GradCamElementWise, CamMethods.LayerCam, CamMethods.EigenGradCam];

    private nn.Module<Tensor, Tensor> _model = null!;
    private nn.Module<Tensor, Tensor> _layer4 = null!;
    private CamExplainer _explainer = null!;
    private Tensor _input = null!;
    private CamTarget _target = null!;

    [Params(1, 8, 32)]
    public int Batch { get; set; } = 1;

    [GlobalSetup]
    public void Setup()
    {
        Machine.Prepare();
        manual_seed(1);
        _model = torchvision.models.resnet50();
        _model.eval();
        _layer4 = (nn.Module<Tensor, Tensor>)_model.named_children().Single(c => c.name == "layer4").module;
        _explainer = new CamExplainer(_model, _layer4);
        _input = randn(Batch, 3, 224, 224);
        _target = CamTarget.Class(281);
    }

    [GlobalCleanup]
    public void Cleanup() => _input.Dispose();

    /// <summary>Forward with a hook that makes layer4's output a leaf, autograd.grad to it, weighted sum, upsampling, scaling.</summary>
    [Benchmark(Baseline = true)]
    public float HandWrittenMinimum()
    {
        using var scope = NewDisposeScope();
        Tensor? leaf = null;
        var hook = _layer4.register_forward_hook((_, _, output) =>
        {
            leaf = output.detach().requires_grad_(true).DetachFromDisposeScope();
            return leaf;
        });
        try
        {
            var logits = _model.call(_input);
            return GradCamPixel(autograd.grad([logits[.., 281].sum()], [leaf!])[0], leaf!);
        }
        finally
        {
            hook.remove();
            leaf?.Dispose();
        }
    }

    [Benchmark]
    public float CamSdkGradCam()
    {
        using var result = _explainer.Explain(_input, _target);
        return result.Heatmaps[0, 100, 100].item<float>();
    }

    /// <summary>pytorch-grad-cam's algorithm: keep A's gradient, backward() through the whole network (every parameter's .grad too).</summary>
    [Benchmark]
    public float ForwardAndFullBackward()
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
            logits[.., 281].sum().backward();
            return GradCamPixel(activation!.grad!, activation);
        }
        finally
        {
            hook.remove();
            activation?.Dispose();
        }
    }

    /// <summary>Grad-CAM, Grad-CAM++, XGrad-CAM, HiResCAM, element-wise, LayerCAM and EigenGrad-CAM from one call.</summary>
    [Benchmark]
    public float CamSdkSevenGradientMethods()
    {
        using var results = _explainer.Explain(_input, GradientMethods, _target);
        return results[6].Heatmaps[0, 100, 100].item<float>();
    }

    [Benchmark]
    public float PlainForward()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        return _model.call(_input)[0, 281].item<float>();
    }

    /// <summary>The 1e-7 of pytorch-grad-cam's scaling, held: TorchSharp does not keep a temporary Scalar alive through a native call.</summary>
    private static readonly Scalar Epsilon = 1e-7.ToScalar();

    /// <summary>The hand-written rest of Grad-CAM: weighted sum, ReLU, upsampling, min-max scaling; one pixel out.</summary>
    private static float GradCamPixel(Tensor gradient, Tensor activation)
    {
        var raw = (gradient.mean([2L, 3L], keepdim: true) * activation.detach()).sum(1, keepdim: true).relu();
        var up = nn.functional.interpolate(raw, [224, 224], mode: InterpolationMode.Bilinear, align_corners: false);
        up = up - up.amin([2L, 3L], keepdim: true);
        return (up / up.amax([2L, 3L], keepdim: true).add(Epsilon))[0, 0, 100, 100].item<float>();
    }
}
