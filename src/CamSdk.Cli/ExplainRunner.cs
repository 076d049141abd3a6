using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading;
using CamSdk.Guided;
using CamSdk.Internal;
using CamSdk.Methods;
using CamSdk.Models;
using CamSdk.Targets;
using Spectre.Console;
using TorchSharp;

namespace CamSdk.Cli;

/// <summary>Runs <c>camsdk explain</c>: loads the model once, then explains every input, with a progress bar.</summary>
internal sealed class ExplainRunner(Terminal terminal)
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>Exit codes: 0 all explained, 1 some inputs failed (named in the output), 2 the request itself is invalid.</summary>
    internal int Run(ExplainSettings settings, CancellationToken cancellationToken)
    {
        if (settings.Arch is null == (settings.Onnx is null))
        {
            throw new CamException("Give either --arch (a torchvision architecture, with --weights) or --onnx (an .onnx file), not both, not neither.");
        }

        if (settings.Onnx is not null && settings.Weights is not null)
        {
            throw new CamException("--weights goes with --arch: an .onnx file holds its own weights.");
        }

        var architecture = settings.Arch is null ? null : Architecture.Find(settings.Arch);
        if (settings.Class is not null && settings.Top != 1)
        {
            throw new CamException("--class and --top exclude each other: explain one given class, or the top k predicted classes.");
        }

        if (settings.Concept is not null && (settings.Class is not null || settings.Top != 1))
        {
            throw new CamException("--concept explains the similarity to a concept, not a class: it excludes --class and --top.");
        }

        if (settings.Top < 1)
        {
            throw new CamException($"--top must be at least 1 (got {settings.Top}).");
        }

        if (settings.BatchSize is < 1)
        {
            throw new CamException($"--batch-size must be at least 1 (got {settings.BatchSize}).");
        }

        ModelLoading.SetThreads(settings.Threads);

        if (settings.Image.Length == 0 == (settings.InputNpy is null))
        {
            throw new CamException("Give either --image (a file or a folder) or --input-npy (an N×3×H×W float32 .npy), not both, not neither.");
        }

        // Everything that can be checked without the model is checked before it loads.
        var device = ModelLoading.ResolveDevice(settings.Device, terminal);
        var colormap = Imaging.Colormap.ByName.TryGetValue(settings.Colormap, out var found) ? found
            : throw new CamException($"Unknown colour map '{settings.Colormap}'. Valid choices: {string.Join(", ", Imaging.Colormap.ByName.Keys)}.");
        OutputFolder.Prepare(settings.Out);
        var inputs = Inputs.List(settings, terminal);
        if (settings.Shard is { } shardText)
        {
            if (settings.InputNpy is not null)
            {
                throw new CamException("--shard splits the --image list; an --input-npy batch is one input.");
            }

            // Named over the whole list (so that every part writes the names the whole run would), then split.
            var shard = Evaluation.EvaluationShard.Parse(shardText);
            var (first, end) = shard.Range(inputs.Count);
            terminal.Info($"shard {shard}: images {first + 1} to {end} of {inputs.Count}");
            inputs = [.. inputs.Skip(first).Take(end - first)];
        }

        if (settings.Concept is { } conceptImage)
        {
            UserFiles.RequireFile(conceptImage, "concept image", static m => new CamException($"--concept: {m}"));
        }

        torch.nn.Module<torch.Tensor, torch.Tensor> model;
        torch.nn.Module<torch.Tensor, torch.Tensor> layer;
        int classCount;
        string modelName, layerName;
        if (architecture is not null)
        {
            (model, classCount) = ModelLoading.Load(terminal, architecture, settings.Weights, device);
            (modelName, layerName) = (architecture.Name, settings.Layer ?? architecture.DefaultLayer(model));
            layer = architecture.FindLayer(model, layerName);
        }
        else
        {
            var (onnx, classes) = ModelLoading.LoadOnnx(settings.Onnx!, device);
            (model, classCount, modelName) = (onnx, classes, Path.GetFileName(settings.Onnx!));
            layerName = settings.Layer ?? onnx.DefaultLayerInfo?.Name
                ?? throw new CamException($"{settings.Onnx} has no node that fits the default-layer rule (the last N×C×h×w output with h, w > 1 before global pooling): give --layer (camsdk inspect lists the nodes).");
            layer = onnx.Layer(layerName);
        }

        var methods = MethodNames.Parse(settings.Method, () => architecture?.FindClassifier(model)
            ?? throw new CamException("CAM weighs channels with the model's last linear layer, which camsdk finds for --arch models only: explain an ONNX model with gradcam or another method of the family."), settings.BatchSize);
        if (settings.Class is { } requested && (requested < 0 || requested >= classCount))
        {
            throw new CamException($"Class {requested} is out of range: {modelName} with these weights has {classCount} classes, so valid classes are 0 to {classCount - 1}.");
        }

        var labels = ModelLoading.ReadLabels(settings.Labels, classCount);
        using var concept = settings.Concept is null ? null : Concept(model, settings, device);

        var failures = new List<(string Input, string Reason)>();
        var warnings = new List<string>();
        var written = 0;
        terminal.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(context =>
            {
                var task = context.AddTask($"Explaining {inputs.Count} input(s) with {methods.Description}", maxValue: inputs.Count);
                // Score-CAM and Ablation-CAM run thousands of extra passes: show them in a bar of their own.
                ProgressTask? passes = null;
                var progress = new Progress<CamProgress>(p =>
                {
                    passes ??= context.AddTask("Perturbation passes", maxValue: p.Total);
                    passes.Description = $"{p.Stage} at {p.Detail}";
                    passes.MaxValue = p.Total;
                    passes.Value = p.Completed;
                });
                var options = new ExplainerOptions
                {
                    ClassLabels = labels,
                    EigenSmooth = settings.EigenSmooth,
                    AugmentationSmooth = settings.AugSmooth,
                    Progress = progress,
                };
                var session = new Session(settings, modelName, layerName, methods, new CamExplainer(model, layer, options), new GuidedBackpropagation(model, options), labels, concept, device, colormap, warnings);
                foreach (var input in inputs)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    try
                    {
                        written += ExplainInput(input, session, cancellationToken);
                    }
                    catch (CamException e)
                    {
                        failures.Add((input.Source, e.Message));
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        // One input's unexpected failure (a bug, or a file system error) must not cost the others.
                        failures.Add((input.Source, $"unexpected {e.GetType().Name}: {e.Message}"));
                    }

                    task.Increment(1);
                }

                passes?.StopTask();
            });

        foreach (var warning in warnings)
        {
            terminal.Warn(warning);
        }

        foreach (var (input, reason) in failures)
        {
            terminal.Errors.MarkupLineInterpolated($"[red]failed:[/] {input}: {reason}");
        }

        terminal.Out.MarkupLineInterpolated($"Wrote {written} file(s) to [bold]{settings.Out}[/]{(failures.Count == 0 ? "" : $"; {failures.Count} of {inputs.Count} input(s) failed")}.");

        return failures.Count == 0 ? 0 : 1;
    }

    private static int ExplainInput(Input input, Session session, CancellationToken cancellationToken)
    {
        var (settings, architecture, layerName, methods, explainer, guided, labels, concept, device, colormap, warnings) = session;
        using var scope = torch.NewDisposeScope();
        var (batch, pictures) = input.Load();
        batch = batch.to(device);
        var count = (int)batch.shape[0];
        var (height, width) = ((int)batch.shape[2], (int)batch.shape[3]);

        // The first explanation's own forward pass ranks the classes (--top) or scores the given one (--class): no extra pass.
        IReadOnlyList<IReadOnlyList<ClassScore>>? ranked = null;
        var summaries = Enumerable.Range(0, count).Select(_ => new List<ClassSummary>()).ToArray();
        var arrays = new List<string>();
        var files = 0;

        for (int slot = 0; ranked is null || slot < ranked[0].Count; slot++)
        {
            var target = concept is not null ? concept
                : ranked is not null ? CamTarget.Classes([.. ranked.Select(r => r[slot].ClassIndex)])
                : settings.Class is { } fixedClass ? CamTarget.Class(fixedClass) : CamTarget.PredictedClass;
            // Every CAM method from one pass; the guided gradients from one more.
            var maps = new List<(string Name, CamResult Result)>();
            torch.Tensor? outputs = null, scores = null;
            if (methods.Cams.Count > 0)
            {
                var results = explainer.Explain(batch, methods.Cams.Select(m => m.Method), target, cancellationToken);
                maps.AddRange(methods.Cams.Select((m, i) => (m.Name, results[i])));
                (outputs, scores) = (results[0].Outputs, results[0].Scores);
            }

            torch.Tensor? guidedGradients = null;
            if (methods.GuidedBackprop || methods.GuidedGradCam)
            {
                var guidedResult = guided.Explain(batch, outputs is null || concept is not null ? target : CamTarget.Classes([.. maps[0].Result.ClassIndices!]), cancellationToken);
                (guidedGradients, outputs) = (guidedResult.Gradients, outputs ?? guidedResult.Outputs);
                scores ??= guidedResult.Scores;
            }

            var guidedGradCam = methods.GuidedGradCam ? GuidedBackpropagation.Combine(guidedGradients!, maps.First(m => m.Name == CamMethods.GradCam.Key).Result.Heatmaps) : null;
            if (ranked is null && concept is not null)
            {
                // The concept's similarity in the place of a class: index -1, its cosine similarity as the score.
                var similarity = scores!.to(torch.float32).cpu().data<float>().ToArray();
                ranked = [.. similarity.Select(v => (IReadOnlyList<ClassScore>)[new ClassScore(-1, v, 0, "concept")])];
            }

            if (ranked is null)
            {
                ranked = settings.Class is { } given
                    ? [.. ClassRanking.Of(outputs!, [.. Enumerable.Repeat(given, count)], labels).Select(s => (IReadOnlyList<ClassScore>)[s])]
                    : ClassRanking.Top(outputs!, settings.Top, labels);
            }

            var slots = ranked[0].Count;
            var suffix = slots == 1 ? string.Empty : $".top{slot + 1}";
            var stem = Path.Combine(settings.Out, input.Name + suffix);

            if (settings.SaveRaw)
            {
                foreach (var (name, result) in maps)
                {
                    SaveNpy(arrays, $"{stem}.{name}.raw.npy", result.RawMaps);
                    SaveNpy(arrays, $"{stem}.{name}.heatmap.npy", result.Heatmaps);
                }

                SaveNpy(arrays, $"{stem}.{MethodNames.GuidedBackprop}.npy", guidedGradients);
                SaveNpy(arrays, $"{stem}.{MethodNames.GuidedGradCam}.npy", guidedGradCam);
            }

            for (int n = 0; n < count; n++)
            {
                var name = input.ImageName(n) + suffix;
                var explained = ranked[n][slot];
                var (classIndex, label) = (explained.ClassIndex, explained.Label);
                var caption = concept is not null ? $"similarity to the concept {explained.Score:F3}" : $"{label ?? "class " + classIndex} ({explained.Probability:P1})";
                var methodSummaries = new List<MethodSummary>();
                foreach (var (method, result) in maps)
                {
                    var heatmap = result.HeatmapToArray(n);
                    var flat = IsFlat(heatmap);
                    if (flat)
                    {
                        warnings.Add(
                            $"{input.Source}: {method}'s map of {caption} is flat: the layer's map is constant at its {result.RawMaps.shape[1]}×{result.RawMaps.shape[2]} resolution, " +
                            "so it shows nothing (pytorch-grad-cam gives the same flat map). Explain a layer with more spatial resolution, e.g. an earlier --layer.");
                    }

                    var box = flat ? null : Pictures.Box(heatmap);
                    methodSummaries.Add(new MethodSummary(method, box, [
                        Path.GetFileName(Pictures.SaveHeatmap(settings.Out, $"{name}.{method}", heatmap, colormap)),
                        Path.GetFileName(Pictures.SaveOverlay(settings.Out, $"{name}.{method}", pictures[n], heatmap, box, caption, colormap)),
                    ], flat));
                }

                if (methods.GuidedBackprop)
                {
                    methodSummaries.Add(new MethodSummary(MethodNames.GuidedBackprop, null, [Path.GetFileName(Pictures.SaveGuided(settings.Out, $"{name}.{MethodNames.GuidedBackprop}", guidedGradients![n]))], false));
                }

                if (guidedGradCam is not null)
                {
                    methodSummaries.Add(new MethodSummary(MethodNames.GuidedGradCam, null, [Path.GetFileName(Pictures.SaveGuided(settings.Out, $"{name}.{MethodNames.GuidedGradCam}", guidedGradCam[n]))], false));
                }

                files += methodSummaries.Sum(m => m.Files.Count);
                summaries[n].Add(new ClassSummary(classIndex, label, explained.Score, explained.Probability, methodSummaries));
            }
        }

        for (int n = 0; n < count; n++)
        {
            var summary = new ImageSummary(input.Source, architecture, layerName, methods.Description, width, height, summaries[n], arrays);
            File.WriteAllText(Path.Combine(settings.Out, input.ImageName(n) + ".json"), JsonSerializer.Serialize(summary, Json));
            files++;
        }

        return files + arrays.Count;
    }

    /// <summary>What every input of one run shares: the request, the loaded model and its explainers.</summary>
    private sealed record Session(
        ExplainSettings Settings,
        string Architecture,
        string LayerName,
        MethodRequest Methods,
        CamExplainer Explainer,
        GuidedBackpropagation Guided,
        IReadOnlyList<string>? Labels,
        SimilarityToConceptTarget? Concept,
        torch.Device Device,
        Imaging.Colormap Colormap,
        List<string> Warnings);

    /// <summary>The --concept image's embedding (preprocessed as the inputs are) as a similarity target.</summary>
    private static SimilarityToConceptTarget Concept(torch.nn.Module<torch.Tensor, torch.Tensor> model, ExplainSettings settings, torch.Device device)
    {
        using var scope = torch.NewDisposeScope();
        var (batch, _) = Inputs.LoadImage(settings.Concept!, Inputs.Preprocessor(settings.Resize, settings.Crop));
        using var noGrad = torch.no_grad();
        var embedding = model.call(batch.to(device)); // the model is in evaluation mode since it loaded
        return new SimilarityToConceptTarget(embedding[0]);
    }

    /// <summary>Writes a .npy array and adds its file name to the list the JSON summaries give.</summary>
    private static void SaveNpy(List<string> written, string path, torch.Tensor? tensor)
    {
        if (tensor is not null)
        {
            Npy.Write(path, tensor);
            written.Add(Path.GetFileName(path));
        }
    }

    /// <summary>A heatmap with no contrast (pytorch-grad-cam's scaling turns a constant map into zeros).</summary>
    private static bool IsFlat(float[,] heatmap)
    {
        var first = heatmap[0, 0];
        foreach (var value in heatmap)
        {
            if (value != first)
            {
                return false;
            }
        }

        return true;
    }
}
