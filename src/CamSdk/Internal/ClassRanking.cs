using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;

namespace CamSdk.Internal;

/// <summary>The top classes of each image from an explanation's own output: computed on the device, copied to the host once.</summary>
internal static class ClassRanking
{
    internal static IReadOnlyList<IReadOnlyList<ClassScore>> Top(torch.Tensor outputs, int k, IReadOnlyList<string>? labels)
    {
        ObjectDisposedException.ThrowIf(outputs.IsInvalid, outputs);
        if (outputs.dim() != 2)
        {
            throw new CamTargetException(
                $"The explained output has shape {Shapes.Format(outputs.shape)}, not N×C class scores, so it has no top classes: rank classes only when the target explains class scores.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        using var scope = torch.NewDisposeScope();
        var (count, classes) = ((int)outputs.shape[0], (int)outputs.shape[1]);
        k = Math.Min(k, classes);
        var scores = outputs.detach().to(torch.float32);
        var (top, indices) = scores.topk(k, dim: 1, largest: true, sorted: true);
        var probabilities = scores.softmax(1).gather(1, indices);
        // One transfer: scores, probabilities and indices side by side.
        var host = torch.cat([top, probabilities, indices.to(torch.float32)], 1).cpu().data<float>().ToArray();
        return [.. Enumerable.Range(0, count).Select(n => (IReadOnlyList<ClassScore>)[.. Enumerable.Range(0, k).Select(j =>
        {
            var row = n * 3 * k;
            var c = (int)host[row + (2 * k) + j];
            return new ClassScore(c, host[row + j], host[row + k + j], labels is not null && c < labels.Count ? labels[c] : null);
        })])];
    }

    /// <summary>Each image's score and probability of the given class (one per image), copied to the host once.</summary>
    internal static IReadOnlyList<ClassScore> Of(torch.Tensor outputs, IReadOnlyList<int> classes, IReadOnlyList<string>? labels)
    {
        ObjectDisposedException.ThrowIf(outputs.IsInvalid, outputs);
        using var scope = torch.NewDisposeScope();
        var scores = outputs.detach().to(torch.float32);
        var index = torch.tensor(classes.Select(c => (long)c).ToArray(), device: scores.device).unsqueeze(1);
        var host = torch.cat([scores.gather(1, index), scores.softmax(1).gather(1, index)], 1).cpu().data<float>().ToArray();
        return [.. classes.Select((c, n) => new ClassScore(c, host[2 * n], host[(2 * n) + 1], labels is not null && c < labels.Count ? labels[c] : null))];
    }
}
