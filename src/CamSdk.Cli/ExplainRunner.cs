using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading;
using CamSdk.Guided;
using CamSdk.Models;
using CamSdk.Targets;
using Spectre.Console;
using TorchSharp;

namespace CamSdk.Cli;

/// <summary>Runs <c>camsdk explain</c>: loads the model once, then explains every input, with a progress bar.</summary>
internal sealed class ExplainRunner(IAnsiConsole console)
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>Exit codes: 0 all explained, 1 some inputs failed (named in the output), 2 the request itself is invalid.</summary>
    internal int Run(ExplainSettings settings, CancellationToken cancellationToken)
    {
        var architecture = Architecture.Find(settings.Architecture);
        var method = MethodNames.Parse(settings.Method);
        if (settings.ClassIndex is not null && settings.Top != 1)
        {
            throw new CamException("--class and --top exclude each other: explain one given class, or the top k predicted classes.");
        }

        if (settings.Top < 1)
        {
            throw new CamException($"--top must be at least 1 (got {settings.Top}).");
        }

        if (settings.Images.Count == 0 == (settings.InputNpy is null))
        {
            throw new CamException("Give either --image (a file or a folder) or --input-npy (an N×3×H×W float32 .npy), not both, not neither.");
        }

        var device = ParseDevice(settings.Device);
        var (model, classCount) = LoadModel(architecture, settings.Weights, device);
        var layerName = settings.Layer ?? architecture.DefaultLayer;
        var layer = architecture.FindLayer(model, layerName);
        if (settings.ClassIndex is { } requested && (requested < 0 || requested >= classCount))
        {
            throw new CamException($"Class {requested} is out of range: {architecture.Name} with these weights has {classCount} classes, so valid classes are 0 to {classCount - 1}.");
        }

        var labels = ReadLabels(settings.Labels, classCount);
        var options = new ExplainerOptions { ClassLabels = labels };
        var explainer = new CamExplainer(model, layer, options);
        var session = new Session(settings, architecture.Name, layerName, method, model, explainer, new GuidedBackpropagation(model, options), labels, device);
        var inputs = Inputs.List(settings);
        Directory.CreateDirectory(settings.Output);

        var failures = new List<(string Input, string Reason)>();
        var written = 0;
        console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(context =>
            {
                var task = context.AddTask($"Explaining {inputs.Count} input(s) with {MethodNames.Name(method)}", maxValue: inputs.Count);
                foreach (var input in inputs)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    try
                    {
                        written += ExplainInput(input, session);
                    }
                    catch (CamException e)
                    {
                        failures.Add((input.Name, e.Message));
                    }

                    task.Increment(1);
                }
            });

        console.MarkupLineInterpolated($"Wrote {written} file(s) to [bold]{settings.Output}[/].");
        foreach (var (input, reason) in failures)
        {
            console.MarkupLineInterpolated($"[red]failed:[/] {input}: {reason}");
        }

        return failures.Count == 0 ? 0 : 1;
    }

    private static int ExplainInput(Input input, Session session)
    {
        var (settings, architecture, layerName, method, model, explainer, guided, labels, device) = session;
        using var scope = torch.NewDisposeScope();
        var (batch, pictures) = input.Load();
        batch = batch.to(device);
        var count = (int)batch.shape[0];
        var (height, width) = ((int)batch.shape[2], (int)batch.shape[3]);

        torch.Tensor logits;
        using (torch.no_grad())
        {
            logits = model.call(batch);
        }

        var probabilities = logits.softmax(1);
        var ranked = settings.ClassIndex is { } fixedClass
            ? Enumerable.Range(0, count).Select(_ => new[] { fixedClass }).ToArray()
            : Enumerable.Range(0, count).Select(n => logits[n].topk(Math.Min(settings.Top, (int)logits.shape[1])).indexes.cpu().data<long>().Select(i => (int)i).ToArray()).ToArray();
        var slots = ranked[0].Length;
        var summaries = Enumerable.Range(0, count).Select(_ => new List<ClassSummary>()).ToArray();
        var files = 0;

        for (int slot = 0; slot < slots; slot++)
        {
            var target = CamTarget.Classes([.. ranked.Select(r => r[slot])]);
            var suffix = slots == 1 ? string.Empty : $".top{slot + 1}";
            CamResult? cam = null;
            torch.Tensor? guidedGradients = null;
            torch.Tensor? guidedGradCam = null;
            switch (method)
            {
                case Method.GradCam:
                    cam = explainer.Explain(batch, target);
                    break;
                case Method.GuidedBackprop:
                    guidedGradients = guided.Explain(batch, target).Gradients;
                    break;
                default:
                    var both = explainer.ExplainGuided(batch, target);
                    (cam, guidedGradients, guidedGradCam) = (both.Cam, both.GuidedBackpropagation, both.GuidedGradCam);
                    break;
            }

            if (settings.SaveRaw)
            {
                var stem = Path.Combine(settings.Output, input.Name + suffix);
                files += SaveNpy(stem + ".raw.npy", cam?.RawMaps) + SaveNpy(stem + ".heatmap.npy", cam?.Heatmaps)
                    + SaveNpy(stem + ".guided-backprop.npy", guidedGradients) + SaveNpy(stem + ".guided-gradcam.npy", guidedGradCam);
            }

            for (int n = 0; n < count; n++)
            {
                var name = input.ImageName(n) + suffix;
                var classIndex = ranked[n][slot];
                var heatmap = cam?.HeatmapToArray(n);
                var box = heatmap is null ? null : Pictures.Box(heatmap);
                var label = labels?[classIndex];
                var caption = $"{label ?? "class " + classIndex} ({probabilities[n, classIndex].item<float>():P1})";
                var imageFiles = new List<string>();
                if (heatmap is not null)
                {
                    imageFiles.Add(Pictures.SaveHeatmap(settings.Output, name, heatmap));
                    imageFiles.Add(Pictures.SaveOverlay(settings.Output, name, pictures[n], heatmap, box, caption));
                }

                if (guidedGradients is not null)
                {
                    imageFiles.Add(Pictures.SaveGuided(settings.Output, name + ".guided-backprop", guidedGradients[n]));
                }

                if (guidedGradCam is not null)
                {
                    imageFiles.Add(Pictures.SaveGuided(settings.Output, name + ".guided-gradcam", guidedGradCam[n]));
                }

                files += imageFiles.Count;
                summaries[n].Add(new ClassSummary(
                    classIndex,
                    label,
                    logits[n, classIndex].item<float>(),
                    probabilities[n, classIndex].item<float>(),
                    box,
                    [.. imageFiles.Select(Path.GetFileName).OfType<string>()]));
            }

            cam?.Dispose();
        }

        for (int n = 0; n < count; n++)
        {
            var summary = new ImageSummary(input.Source, architecture, layerName, MethodNames.Name(method), width, height, summaries[n]);
            File.WriteAllText(Path.Combine(settings.Output, input.ImageName(n) + ".json"), JsonSerializer.Serialize(summary, Json));
            files++;
        }

        return files;
    }

    /// <summary>What every input of one run shares: the request, the loaded model and its explainers.</summary>
    private sealed record Session(
        ExplainSettings Settings,
        string Architecture,
        string LayerName,
        Method Method,
        torch.nn.Module<torch.Tensor, torch.Tensor> Model,
        CamExplainer Explainer,
        GuidedBackpropagation Guided,
        IReadOnlyList<string>? Labels,
        torch.Device Device);

    private static int SaveNpy(string path, torch.Tensor? tensor)
    {
        if (tensor is null)
        {
            return 0;
        }

        Npy.Write(path, tensor);
        return 1;
    }

    private (torch.nn.Module<torch.Tensor, torch.Tensor> Model, int ClassCount) LoadModel(Architecture architecture, string? weights, torch.Device device)
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

    private static torch.Device ParseDevice(string name)
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

    private static string[]? ReadLabels(string? path, int classCount)
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
