using CamSdk.Guided;
using CamSdk.Internal;
using CamSdk.Models;
using CamSdk.Targets;
using CamSdk.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace CamSdk.Tests;

/// <summary>A real model: TorchSharp's TorchVision resnet18, with frozen parameters, explained at layer4.</summary>
public sealed class TorchVisionResNetTests
{
    [Fact]
    public void GradCamAtLayer4EqualsPlainTorchSharpComputation()
    {
        manual_seed(53);
        var model = torchvision.models.resnet18(num_classes: 10);
        foreach (var p in model.parameters())
        {
            p.requires_grad = false;
        }

        var flags = model.parameters().Select(p => p.requires_grad).ToArray();
        var layer4 = model.named_children().Single(c => c.name == "layer4").module as nn.Module<Tensor, Tensor>;
        using var input = randn(2, 3, 96, 96);

        using var result = new CamExplainer(model, layer4!).Explain(input, CamTarget.Classes([7, 2]));

        // The same computation with plain TorchSharp calls.
        using var scope = NewDisposeScope();
        model.eval();
        var children = model.named_children().ToDictionary(c => c.name, c => (nn.Module<Tensor, Tensor>)c.module);
        var x = input;
        foreach (var name in new[] { "conv1", "bn1", "relu", "maxpool", "layer1", "layer2", "layer3", "layer4" })
        {
            x = children[name].call(x);
        }

        var a = x.detach().requires_grad_(true);
        var logits = children["fc"].call(children["flatten"].call(children["avgpool"].call(a)));
        var score = logits[0, 7].Plus(logits[1, 2]);
        var gradient = autograd.grad([score], [a])[0];
        var alpha = gradient.mean([2L, 3L]);
        var raw = (alpha.unsqueeze(-1).unsqueeze(-1) * a.detach()).sum(1).relu();
        // pytorch-grad-cam's scale_cam_image at layer resolution, cv2.resize, then scale_cam_image again.
        var scaled = raw - raw.amin([1L, 2L], keepdim: true);
        scaled = scaled / scaled.amax([1L, 2L], keepdim: true).Plus(Scalars.Of(1e-7));
        var heat = nn.functional.interpolate(scaled.unsqueeze(1), [96, 96], mode: InterpolationMode.Bilinear, align_corners: false).squeeze(1);
        heat = heat - heat.amin([1L, 2L], keepdim: true);
        heat = heat / heat.amax([1L, 2L], keepdim: true).Plus(Scalars.Of(1e-7));

        Assert.Equal(new long[] { 2, 3, 3 }, result.RawMaps.shape);
        Assert.True(raw.max().item<float>() > 0, "the test must compare a non-trivial map");
        Assert.True(Tensors.MaxAbsDifference(result.RawMaps, raw) < 1e-6, $"raw {Tensors.MaxAbsDifference(result.RawMaps, raw)}");
        Assert.True(Tensors.MaxAbsDifference(result.Heatmaps, heat) < 1e-6, $"heat {Tensors.MaxAbsDifference(result.Heatmaps, heat)}");
        Assert.Equal(flags, model.parameters().Select(p => p.requires_grad).ToArray());
        Assert.All(model.parameters(), p => Assert.True(p.grad is null || p.grad.IsInvalid));
    }

    [Fact]
    public void TorchVisionTwinSharesTheModelsTensorsInsteadOfCopyingThem()
    {
        manual_seed(71);
        var model = torchvision.models.resnet18(num_classes: 10);
        using var input = randn(1, 3, 32, 32);
        using (new GuidedBackpropagation(model).Explain(input))
        {
        }

        var twin = TorchVisionTwins.For(model);
        var twinState = twin.state_dict();
        using (no_grad())
        {
            foreach (var (_, tensor) in model.state_dict().Where(e => e.Value.is_floating_point()))
            {
                tensor.add_(Scalars.Of(0.25), Scalars.Of(1));
            }
        }

        // Without another call into the twin, it sees the change: its tensors are the model's.
        foreach (var (key, tensor) in model.state_dict())
        {
            Assert.Equal(0, Tensors.MaxAbsDifference(twinState[key], tensor));
        }
    }

    [Fact]
    public void TheTwinOfAModelOnAnotherDeviceIsOnThatDevice()
    {
        // The meta device stands in for a GPU: the twin is built on the CPU, then must follow the model to its device
        // (libtorch's set_ takes a source on the tensor's own device only).
        var model = torchvision.models.resnet18(num_classes: 10);
        model.to(new Device(DeviceType.META));
        var twin = TorchVisionTwins.For(model);
        var state = model.state_dict();
        Assert.All(twin.state_dict(), e =>
        {
            Assert.Equal(DeviceType.META, e.Value.device_type);
            Assert.Equal(state[e.Key].shape, e.Value.shape);
        });
    }

    [CudaFact]
    public void CudaGuidedBackpropagationOfATorchVisionResNetEqualsTheCpus()
    {
        // Through the twin, which follows the model to the GPU and shares its tensors there.
        manual_seed(72);
        var model = torchvision.models.resnet18(num_classes: 10);
        model.eval();
        using var input = randn(1, 3, 64, 64);
        using var onCpu = new GuidedBackpropagation(model).Explain(input);
        model.to(CUDA);
        using var cudaInput = input.to(CUDA);
        using var onCuda = new GuidedBackpropagation(model).Explain(cudaInput);
        Assert.Equal(DeviceType.CUDA, onCuda.Gradients.device_type);
        var scale = onCpu.Gradients.abs().max().item<float>();
        Assert.True(Tensors.MaxAbsDifference(onCpu.Gradients, onCuda.Gradients) < 1e-3 * scale);
    }

    [CudaFact]
    public void CudaZooModelsExplainAsOnTheCpu()
    {
        foreach (var architecture in new[] { "resnet18", "swin_t", "vit_b_32" })
        {
            manual_seed(73);
            using var model = ModelZoo.Create(architecture, numClasses: 10);
            model.eval();
            using var input = randn(1, 3, 224, 224);
            var explainable = (IExplainableModel)model;
            using var onCpu = new CamExplainer(model, explainable.GetExplainableLayer(explainable.ExplainableFacts.DefaultLayer)).Explain(input, classIndex: 2);
            model.to(CUDA);
            using var cudaInput = input.to(CUDA);
            using var onCuda = new CamExplainer(model, explainable.GetExplainableLayer(explainable.ExplainableFacts.DefaultLayer)).Explain(cudaInput, classIndex: 2);
            var difference = Tensors.MaxAbsDifference(onCpu.Heatmaps, onCuda.Heatmaps);
            Assert.True(difference < 1e-3, $"{architecture}: {difference:E2} from the CPU's heatmaps.");
        }
    }
}
