using System;
using System.IO;
using System.Linq;
using CamSdk.Models;
using Spectre.Console;
using TorchSharp;

namespace CamSdk.Cli;

/// <summary>What <c>explain</c> and <c>evaluate</c> share: loading a zoo model with the user's weights, the device, the labels.</summary>
internal static class ModelLoading
{
    /// <summary>Creates an architecture with the class count its weights give, loads them, and puts it on the device in evaluation mode.</summary>
    internal static (torch.nn.Module<torch.Tensor, torch.Tensor> Model, int ClassCount) Load(IAnsiConsole console, Architecture architecture, string? weights, torch.Device device)
    {
        var classCount = 1000;
        if (weights is not null)
        {
            var shapes = ModelWeights.ReadShapes(weights);
            if (!shapes.TryGetValue(architecture.ClassifierWeight, out var classifier) || classifier.Length != 2)
            {
                throw new CamWeightsException($"'{weights}' has no '{architecture.ClassifierWeight}' of rank 2, so it does not hold {architecture.Name} weights. Valid architectures: {Architecture.Names}.");
            }

            classCount = (int)classifier[0];
        }
        else
        {
            console.MarkupLine("[yellow]warning:[/] no --weights given: the model has random weights, so its explanations mean nothing. Pass the file torch.save(model.state_dict(), path) wrote.");
        }

        var model = architecture.Create(classCount);
        if (weights is not null)
        {
            ModelWeights.Load(model, weights);
        }

        model.eval();
        return (device.type == DeviceType.CPU ? model : (torch.nn.Module<torch.Tensor, torch.Tensor>)model.to(device), classCount);
    }

    /// <summary>Parses --device: cpu, cuda or cuda:N.</summary>
    internal static torch.Device ParseDevice(string name)
    {
        var lower = name.Trim().ToLowerInvariant();
        if (lower == "cpu")
        {
            return torch.CPU;
        }

        if (lower == "cuda" || (lower.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(lower[5..], out _)))
        {
            return torch.cuda.is_available()
                ? torch.device(lower)
                : throw new CamException("--device cuda was asked for, but CUDA is not available here (no GPU, or TorchSharp's CPU backend). Use --device cpu.");
        }

        throw new CamException($"Unknown device '{name}'. Valid choices: cpu, cuda, cuda:N.");
    }

    /// <summary>Reads --labels: one class name per line, as many as the model has classes.</summary>
    internal static string[]? ReadLabels(string? path, int classCount)
    {
        if (path is null)
        {
            return null;
        }

        if (!File.Exists(path))
        {
            throw new CamException($"The labels file '{path}' does not exist. Give a text file with one class name per line.");
        }

        var labels = File.ReadAllLines(path).Where(l => l.Length > 0).ToArray();
        return labels.Length == classCount
            ? labels
            : throw new CamException($"'{path}' has {labels.Length} label(s) but the model has {classCount} classes: give one name per line, in class order.");
    }
}
