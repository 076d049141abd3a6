using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Threading;
using CamSdk.Imaging;
using CamSdk.Internal;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;
using CamSdk.Models;

namespace CamSdk.Shapes;

/// <summary>
/// Trains a <see cref="ShapesNet"/> on <see cref="SyntheticShapes"/> (Adam, cross-entropy, cosine learning-rate decay), or
/// loads the weights an earlier run with the same options cached, so that a second run starts at once.
/// </summary>
public static class ShapesNetTrainer
{
    /// <summary>The cache folder used when <see cref="ShapesTrainingOptions.CacheDirectory"/> is null.</summary>
    public static string DefaultCacheDirectory
    {
        get
        {
            var root = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            if (string.IsNullOrEmpty(root))
            {
                root = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
            }

            return Path.Combine(root, "camsdk");
        }
    }

    /// <summary>The cache key of some options: the first 16 hexadecimal digits of the SHA-256 of their <see cref="ShapesTrainingOptions.Configuration"/>.</summary>
    /// <param name="options">The options.</param>
    /// <returns>The key, e.g. <c>3f9a…</c>.</returns>
    public static string CacheKey(ShapesTrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(options.Configuration)))[..16];
    }

    /// <summary>
    /// Loads the cached network for <paramref name="options"/>, or trains it (and caches it) when there is none or
    /// <see cref="ShapesTrainingOptions.Retrain"/> is set.
    /// </summary>
    /// <param name="options">The options; null for the defaults.</param>
    /// <param name="progress">Told after every step while training; not called when loading from the cache.</param>
    /// <param name="cancellationToken">Stops training between steps.</param>
    /// <returns>The network, in evaluation mode, with its training summary.</returns>
    /// <exception cref="OperationCanceledException">Cancelled; nothing is cached.</exception>
    /// <exception cref="CamWeightsException">The cache folder cannot be created or written.</exception>
    public static TrainedShapesNet TrainOrLoad(ShapesTrainingOptions? options = null, IProgress<CamProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        options ??= new ShapesTrainingOptions();
        options.Validate();
        var device = Devices.Resolve(options.Device).Device;
        var directory = options.CacheDirectory ?? DefaultCacheDirectory;
        var stem = Path.Combine(directory, $"shapesnet-{CacheKey(options)}");
        var (weightsPath, summaryPath) = (stem + ".safetensors", stem + ".json");
        if (!options.Retrain && File.Exists(weightsPath) && File.Exists(summaryPath) && TryLoad(weightsPath, summaryPath, options) is { } cached)
        {
            cached.Model.to(device);
            return cached;
        }

        try
        {
            Directory.CreateDirectory(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CamWeightsException($"Cannot create the weights cache '{directory}': {e.Message} Set ShapesTrainingOptions.CacheDirectory (or XDG_CACHE_HOME) to a writable folder.", e);
        }

        var (model, summary) = Train(options, device, progress, cancellationToken);
        // Write beside the final names, then move, the summary last: an entry counts once its summary is there, a run
        // killed half-way leaves no half-written file, and two runs writing the same entry each move whole files.
        var temporary = $"{stem}.{Guid.NewGuid():N}.tmp";
        try
        {
            model.save_safetensors(temporary);
            File.Move(temporary, weightsPath, overwrite: true);
            File.WriteAllText(temporary, JsonSerializer.Serialize(summary));
            File.Move(temporary, summaryPath, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            File.Delete(temporary);
            model.Dispose();
            throw new CamWeightsException($"Trained ShapesNet, but could not cache its weights in '{directory}': {e.Message} Set ShapesTrainingOptions.CacheDirectory (or XDG_CACHE_HOME) to a writable folder.", e);
        }

        return new TrainedShapesNet(model, summary, FromCache: false, weightsPath);
    }

    /// <summary>The held-out accuracy of a network: the share of images <paramref name="start"/> to <paramref name="start"/> + <paramref name="count"/> − 1 classified right.</summary>
    /// <param name="model">The network (put in evaluation mode for the measurement, then restored).</param>
    /// <param name="data">The dataset.</param>
    /// <param name="start">The first image's index.</param>
    /// <param name="count">How many images.</param>
    /// <returns>The accuracy, in [0, 1].</returns>
    public static double Accuracy(ShapesNet model, SyntheticShapes data, int start, int count)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        return ModelState.InEvaluationMode(model, () =>
        {
            var right = 0L;
            using var noGrad = no_grad();
            foreach (var chunk in Enumerable.Range(start, count).Chunk(200))
            {
                using var scope = NewDisposeScope();
                var (inputs, labels) = Batch(data, chunk);
                var device = model.parameters().First().device;
                right += model.call(inputs.to(device)).argmax(1).eq(labels.to(device)).sum().item<long>();
            }

            return (double)right / count;
        });
    }

    private static (ShapesNet Model, ShapesTrainingSummary Summary) Train(ShapesTrainingOptions options, Device device, IProgress<CamProgress>? progress, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var data = new SyntheticShapes(options.Seed, options.ImageSize);
        ShapesNet model;
        using (var _ = NewDisposeScope())
        {
            manual_seed(options.Seed);
            model = new ShapesNet();
        }

        try
        {
            // Drawn on the CPU (the same initial weights on every device), then trained where asked.
            model.to(device);
            var stepsPerEpoch = (options.TrainingImages + options.BatchSize - 1) / options.BatchSize;
            var steps = stepsPerEpoch * options.Epochs;
            using var optimizer = new HeldScalarAdam(model.parameters(), options.LearningRate);
            var schedule = optim.lr_scheduler.CosineAnnealingLR(optimizer, steps);
            var (losses, accuracies) = (new List<double>(), new List<double>());
            var order = new Random(options.Seed);
            var labels = TrainingLabels(data, options);
            var step = 0;
            model.train();
            // Training differentiates through convolutions: libtorch's own kernels where oneDNN's gradients are wrong, for the
            // training only, so that the evaluation that follows runs the same kernels whether the weights were trained in
            // this process or loaded from the cache (NativeBackend).
            using (NativeBackend.GradientScope())
            {
                for (var epoch = 1; epoch <= options.Epochs; epoch++)
                {
                    var indices = Enumerable.Range(0, options.TrainingImages).ToArray();
                    order.Shuffle(indices);
                    var batches = indices.Chunk(options.BatchSize).ToArray();
                    var (lossSum, right, seen) = (0.0, 0L, 0L);
                    for (var b = 0; b < batches.Length; b++)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        // Images are drawn on this thread, not prefetched on another: TorchSharp passes temporary Scalars to
                        // native calls without keeping them alive, so a garbage collection that another thread's allocations
                        // start mid-call can free one in use (seen as "argument alpha must not be a floating point number").
                        // CamSdk's own code holds its Scalars (Internal/Scalars.cs, HeldScalarAdam); TorchSharp's modules may not.
                        var images = TrainingImages(data, batches[b], options, labels);
                        using var scope = NewDisposeScope();
                        var (inputs, targets) = (ShapesNet.Preprocessor.ToBatch(images.Images).to(device), tensor(images.Labels).to(device));
                        optimizer.zero_grad();
                        var logits = model.call(inputs);
                        var loss = nn.functional.cross_entropy(logits, targets);
                        loss.backward();
                        optimizer.step();
                        schedule.step();
                        step++;
                        // The step's loss and right answers in one read from the device (the progress line shows them).
                        var figures = stack([loss.detach().to(float64), logits.argmax(1).eq(targets).sum().to(float64)]).cpu().data<double>().ToArray();
                        lossSum += (float)figures[0];
                        right += (long)figures[1];
                        seen += targets.shape[0];
                        progress?.Report(new CamProgress("training", step, steps, string.Create(System.Globalization.CultureInfo.InvariantCulture, $"epoch {epoch}/{options.Epochs}, loss {lossSum / (b + 1):F3}, accuracy {(double)right / seen:P1}")));
                    }

                    losses.Add(lossSum / batches.Length);
                    accuracies.Add((double)right / seen);
                }
            }

            model.eval();
            var accuracy = Accuracy(model, data, SyntheticShapes.HeldOutStart, options.HeldOutImages);
            var parameters = model.parameters().Sum(p => p.numel());
            return (model, new ShapesTrainingSummary(options.Configuration, losses, accuracies, accuracy, options.HeldOutImages, clock.Elapsed.TotalSeconds, parameters));
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    private static TrainedShapesNet? TryLoad(string weightsPath, string summaryPath, ShapesTrainingOptions options)
    {
        ShapesTrainingSummary? summary;
        try
        {
            summary = JsonSerializer.Deserialize<ShapesTrainingSummary>(File.ReadAllText(summaryPath));
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            return null; // an unreadable entry (or a dangling link in a linked cache) is retrained and replaced
        }

        if (summary is null || summary.Configuration != options.Configuration)
        {
            return null;
        }

        var model = new ShapesNet();
        try
        {
            ModelWeights.Load(model, weightsPath);
        }
        catch (CamWeightsException)
        {
            model.Dispose();
            return null;
        }

        model.eval();
        return new TrainedShapesNet(model, summary, FromCache: true, weightsPath);
    }

    /// <summary>With <see cref="ShapesTrainingOptions.ShuffleLabels"/>, every training image's label after a seeded permutation; else null.</summary>
    private static long[]? TrainingLabels(SyntheticShapes data, ShapesTrainingOptions options)
    {
        if (!options.ShuffleLabels)
        {
            return null;
        }

        var labels = Enumerable.Range(0, options.TrainingImages).Select(i => (long)data.SingleObject(i).Label).ToArray();
        new Random(options.Seed ^ 0x5EED).Shuffle(labels);
        return labels;
    }

    /// <summary>Training images: watermarked when the options say so, with shuffled labels when given.</summary>
    private static (RgbImage[] Images, long[] Labels) TrainingImages(SyntheticShapes data, int[] indices, ShapesTrainingOptions options, long[]? shuffled)
    {
        if (!(options.Watermark > 0))
        {
            var plain = Images(data, indices);
            return shuffled is null ? plain : (plain.Images, [.. indices.Select(i => shuffled[i])]);
        }

        var images = indices.Select(i =>
        {
            var label = data.SingleObject(i).Label;
            var random = new Random(unchecked(options.Seed * 7_919 + i * 104_729));
            var mark = random.NextDouble() < options.Watermark ? label : (ShapeKind)(((int)label + 1 + random.Next(SyntheticShapes.ClassCount - 1)) % SyntheticShapes.ClassCount);
            return data.Watermarked(i, mark).Shape;
        }).ToArray();
        return ([.. images.Select(i => i.Image)], [.. indices.Select((index, k) => shuffled?[index] ?? (long)images[k].Label)]);
    }

    private static (RgbImage[] Images, long[] Labels) Images(SyntheticShapes data, int[] indices)
    {
        var images = indices.Select(data.SingleObject).ToArray();
        return (images.Select(i => i.Image).ToArray(), images.Select(i => (long)i.Label).ToArray());
    }

    private static (Tensor Inputs, Tensor Labels) Batch(SyntheticShapes data, int[] indices)
    {
        var (images, labels) = Images(data, indices);
        return (ShapesNet.Preprocessor.ToBatch(images), tensor(labels));
    }
}
