using CamSdk.Targets;
using CamSdk.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace CamSdk.Tests;

public sealed class DeviceTests
{
    [Fact]
    public void ResultTensorsStayOnTheCpuForACpuInput()
    {
        manual_seed(41);
        var model = new SmallCnn();
        using var input = randn(1, 3, 8, 8);
        using var result = new CamExplainer(model, model.features).ExplainGuided(input);
        Assert.All(new[] { result.Cam.RawMaps, result.Cam.Heatmaps, result.Cam.Scores, result.GuidedBackpropagation, result.GuidedGradCam },
            t => Assert.Equal(DeviceType.CPU, t.device_type));
    }

    [Fact]
    public void ModelOnAnotherDeviceThanTheInputIsAClearError()
    {
        // The meta device (shapes without data) stands in for a GPU on machines without one.
        var model = new SmallCnn();
        model.to(new Device(DeviceType.META));
        using var input = randn(1, 3, 8, 8);
        var error = Assert.Throws<CamInputException>(() => new CamExplainer(model, model.features).Explain(input));
        Assert.Contains("The model is on meta but the input is on cpu", error.Message);
    }

    [CudaFact]
    public void CudaMapsEqualCpuMaps()
    {
        manual_seed(43);
        var model = new SmallCnn();
        using var input = randn(2, 3, 16, 16);
        using var onCpu = new CamExplainer(model, model.features).ExplainGuided(input);
        model.to(CUDA);
        using var cudaInput = input.to(CUDA);
        using var onCuda = new CamExplainer(model, model.features).ExplainGuided(cudaInput);
        Assert.All(new[] { onCuda.Cam.RawMaps, onCuda.Cam.Heatmaps, onCuda.Cam.Scores, onCuda.GuidedBackpropagation, onCuda.GuidedGradCam },
            t => Assert.Equal(DeviceType.CUDA, t.device_type));
        Assert.True(Tensors.MaxAbsDifference(onCpu.Cam.Heatmaps, onCuda.Cam.Heatmaps) < 1e-4);
        Assert.True(Tensors.MaxAbsDifference(onCpu.GuidedGradCam, onCuda.GuidedGradCam) < 1e-4);
    }

    [CudaFact]
    public void CudaModelWithACpuInputIsAClearError()
    {
        var model = new SmallCnn();
        model.to(CUDA);
        using var input = randn(1, 3, 8, 8);
        var error = Assert.Throws<CamInputException>(() => new CamExplainer(model, model.features).Explain(input));
        Assert.Contains("The model is on cuda", error.Message);
    }

    [CudaFact]
    public void CudaEveryCamMethodEqualsTheCpusMaps()
    {
        // Every method of the family, perturbation methods included (their re-scored batches stay on the device), in one call.
        manual_seed(44);
        var model = new SmallCnn();
        model.eval();
        using var input = randn(2, 3, 16, 16);
        var methods = CamSdk.Methods.CamMethods.All.Where(m => m.Key != "cam").ToArray();
        using var onCpu = new CamExplainer(model, model.features).Explain(input, methods, CamTarget.Class(1));
        model.to(CUDA);
        using var cudaInput = input.to(CUDA);
        using var onCuda = new CamExplainer(model, model.features).Explain(cudaInput, methods, CamTarget.Class(1));
        foreach (var method in methods)
        {
            Assert.Equal(DeviceType.CUDA, onCuda[method].Heatmaps.device_type);
            var difference = Tensors.MaxAbsDifference(onCpu[method].Heatmaps, onCuda[method].Heatmaps.cpu());
            Assert.True(difference < 1e-4, $"{method.Name}: {difference:E2} from the CPU's heatmaps.");
        }
    }

    [CudaFact]
    public void CudaCustomTargetsAndConceptsEqualTheCpus()
    {
        manual_seed(45);
        var model = new SmallCnn();
        model.eval();
        using var input = randn(3, 3, 16, 16);
        using var concept = randn(5);
        using var target = new CamSdk.Targets.SimilarityToConceptTarget(concept);
        var custom = CamTarget.Score(output => output.select(1, 2).mul(CamSdk.Internal.Scalars.Of(2.0)), "twice class 2");
        using var cpuConcept = new CamExplainer(model, model.features).Explain(input, target);
        using var cpuCustom = new CamExplainer(model, model.features).Explain(input, custom);
        model.to(CUDA);
        using var cudaInput = input.to(CUDA);
        using var cudaConcept = new CamExplainer(model, model.features).Explain(cudaInput, target);
        using var cudaCustom = new CamExplainer(model, model.features).Explain(cudaInput, custom);
        Assert.True(Tensors.MaxAbsDifference(cpuConcept.Heatmaps, cudaConcept.Heatmaps.cpu()) < 1e-4);
        Assert.True(Tensors.MaxAbsDifference(cpuCustom.Heatmaps, cudaCustom.Heatmaps.cpu()) < 1e-4);
    }
}
