using System;
using System.IO;
using System.Linq;
using System.Threading;
using CamSdk.Internal;
using CamSdk.Models;
using Spectre.Console;
using TorchSharp;
using CamSdk.Shapes;

namespace CamSdk.Cli;

/// <summary>What the commands share: loading a zoo model with the user's weights, the built-in ShapesNet, the device, the labels.</summary>
internal static class ModelLoading
{
    /// <summary>The --labels value that names torchvision's 1,000 ImageNet classes (shipped with camsdk).</summary>
    internal const string ImageNetLabels = "imagenet";

    /// <summary>Creates an architecture with the class count its weights give, loads them, and puts it on the device in evaluation mode.</summary>
    internal static (torch.nn.Module<torch.Tensor, torch.Tensor> Model, int ClassCount) Load(Terminal terminal, Architecture architecture, string? weights, torch.Device device)
    {
        var classCount = 1000;
        if (weights is not null)
        {
            var shapes = ModelWeights.ReadShapes(weights);
            if (!shapes.TryGetValue(architecture.ClassifierWeight, out var classifier) || classifier.Length < 2)
            {
                throw new CamWeightsException(
                    $"'{weights}' has no '{architecture.ClassifierWeight}' of rank 2 or more, so it does not hold {architecture.Name} weights. " +
                    (ModelZoo.Diagnose(shapes, architecture.Name, modelShapes: null) ?? $"Valid architectures: {Architecture.Names}."));
            }

            classCount = classifier[0] is >= 1 and <= int.MaxValue
                ? (int)classifier[0]
                : throw new CamWeightsException($"'{weights}' holds a classifier '{architecture.ClassifierWeight}' of shape {string.Join("×", classifier)}, that is {classifier[0]} classes: a model needs at least one class. Check that the file holds trained weights.");
        }
        else
        {
            terminal.Warn("no --weights given: the model has random weights, so its explanations mean nothing. Pass the file torch.save(model.state_dict(), path) wrote.");
        }

        var model = architecture.Create(classCount);
        if (weights is not null)
        {
            ModelWeights.Load(model, weights);
        }

        model.eval();
        return (device.type == DeviceType.CPU ? model : (torch.nn.Module<torch.Tensor, torch.Tensor>)model.to(device), classCount);
    }

    /// <summary>An ONNX model (weights inside), its class count from its output's shape, on the device in evaluation mode.</summary>
    internal static (Onnx.OnnxModel Model, int ClassCount) LoadOnnx(string path, torch.Device device)
    {
        var model = Onnx.OnnxModel.Load(path);
        var output = model.Layers.LastOrDefault(l => l.Outputs.Contains(model.OutputName));
        var classCount = output?.Shape is [_, var classes, ..] && classes is >= 1 and <= int.MaxValue ? (int)classes : 1;
        if (device.type != DeviceType.CPU)
        {
            model.to(device);
        }

        return (model, classCount);
    }

    /// <summary>
    /// The built-in ShapesNet, trained (or loaded from the cache) with a progress bar showing the epoch, loss and accuracy,
    /// then put on the device.
    /// </summary>
    internal static TrainedShapesNet TrainBuiltIn(ProgressContext context, ShapesTrainingOptions options, torch.Device device, CancellationToken cancellationToken)
    {
        var training = context.AddTask("Training ShapesNet", maxValue: 1);
        // Trained (or loaded) where the command runs: a GPU trains it there.
        var onDevice = options with { Device = device.type == DeviceType.CUDA ? $"cuda:{Math.Max(device.index, 0)}" : "cpu" };
        var trained = ShapesNetTrainer.TrainOrLoad(onDevice, new InlineProgress<CamProgress>(p =>
        {
            training.MaxValue = p.Total;
            training.Value = p.Completed;
            training.Description = $"Training ShapesNet: {p.Detail}";
        }), cancellationToken);
        training.Description = trained.FromCache ? "ShapesNet loaded from the cache" : "ShapesNet trained";
        training.Value = training.MaxValue;
        return trained;
    }

    /// <summary>The most --threads allowed: four per core (libtorch would try to start any number, and hang creating 100,000).</summary>
    internal static int MaxThreads => Math.Max(8, 4 * Environment.ProcessorCount);

    /// <summary>Applies --threads, when given: 1 to <see cref="MaxThreads"/>.</summary>
    internal static void SetThreads(int? threads)
    {
        if (threads is { } count)
        {
            torch.set_num_threads(count is >= 1 && count <= MaxThreads
                ? count
                : throw new CamException($"--threads must be 1 to {MaxThreads} here (got {count})."));
        }
    }

    /// <summary>The device a command runs on when --device is not given.</summary>
    internal const string DefaultDevice = "cpu";

    /// <summary>Resolves --device (cpu, cuda, cuda:N, auto); for auto, says on standard error which device it chose and why.</summary>
    internal static torch.Device ResolveDevice(string name, Terminal terminal)
    {
        var choice = Devices.Resolve(name);
        if (name.Trim().Equals("auto", StringComparison.OrdinalIgnoreCase))
        {
            terminal.Info($"device: {choice.Description}");
        }

        return choice.Device;
    }

    /// <summary>torchvision's ImageNet class names (<c>torchvision/models/_meta.py</c>, BSD-3-Clause), in class order.</summary>
    internal static string[] ImageNetClassNames()
    {
        using var stream = typeof(ModelLoading).Assembly.GetManifestResourceStream("CamSdk.Cli.imagenet-classes.txt")
            ?? throw new InvalidOperationException("The ImageNet class names are missing from camsdk's assembly.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>Reads --labels: imagenet, or one class name per line, as many as the model has classes.</summary>
    internal static string[]? ReadLabels(string? path, int classCount)
    {
        if (path is null)
        {
            return null;
        }

        if (string.Equals(path, ImageNetLabels, StringComparison.OrdinalIgnoreCase) && !File.Exists(path))
        {
            var names = ImageNetClassNames();
            return names.Length == classCount
                ? names
                : throw new CamException($"--labels {ImageNetLabels} names ImageNet's {names.Length} classes, but the model has {classCount}: give a labels file with one name per class instead.");
        }

        var labels = UserFiles.ReadAllLines(path, "labels file", static m => new CamException($"{m} Give a text file with one class name per line.")).Where(l => l.Length > 0).ToArray();
        return labels.Length == classCount
            ? labels
            : throw new CamException($"'{path}' has {labels.Length} label(s) but the model has {classCount} classes: give one name per line, in class order.");
    }
}
