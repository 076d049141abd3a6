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
    public void ModelAndInputOnDifferentDevicesIsAClearError()
    {
        var model = new SmallCnn();
        model.to(CUDA);
        using var input = randn(1, 3, 8, 8);
        var error = Assert.Throws<CamInputException>(() => new CamExplainer(model, model.features).Explain(input));
        Assert.Contains("The model is on cuda", error.Message);
    }
}
