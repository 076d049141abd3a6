// Runs CamSdk on a libtorch you already have: a PyTorch 2.10 installation's torch/lib (a CUDA build to use a GPU), a
// libtorch 2.10 distribution, or TorchSharp's libtorch package in the NuGet cache. This project references TorchSharp
// alone, so the only libtorch in the process is the one CAMSDK_LIBTORCH names.
//
//   CAMSDK_LIBTORCH=~/.nuget/packages/libtorch-cpu-linux-x64/2.10.0/runtimes/linux-x64/native \
//     dotnet run --project samples/CamSdk.Samples.OwnLibTorch [-- --device auto]
using System;
using System.Globalization;
using System.Linq;
using CamSdk;
using CamSdk.Models;
using TorchSharp;
using static TorchSharp.torch;

LibTorchFolder libtorch;
try
{
    // First, before anything touches TorchSharp. Without CAMSDK_LIBTORCH this application has no libtorch: it says so.
    libtorch = LibTorch.UseFromEnvironment()!;
}
catch (CamException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 2;
}

Console.WriteLine($"Running on {libtorch} (version from {libtorch.VersionSource}).");
DeviceChoice device;
try
{
    device = Devices.Resolve(args is ["--device", var name] ? name : "auto");
}
catch (CamException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 2;
}

Console.WriteLine($"Device: {device}");

// A ResNet-18 with seeded random weights (a real model: load yours with ModelWeights), and a seeded input.
manual_seed(7);
using var model = ModelZoo.Create("resnet18", numClasses: 10);
model.eval();
model.to(device.Device);
using var input = randn(1, 3, 128, 128).to(device.Device);
var explainable = (IExplainableModel)model;
var explainer = new CamExplainer(model, explainable.GetExplainableLayer(explainable.ExplainableFacts.DefaultLayer));
using var result = explainer.Explain(input, classIndex: 3);
var raw = result.RawMaps.cpu().reshape(-1).data<float>().ToArray();
var facts = explainable.ExplainableFacts;
Console.WriteLine($"Grad-CAM of class 3 at {facts.LayerNames[facts.DefaultLayer]}, {raw.Length} values:");
Console.WriteLine(string.Join(' ', raw.Select(v => v.ToString("R", CultureInfo.InvariantCulture))));
return 0;
