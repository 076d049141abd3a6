using System;
using System.Collections.Concurrent;
using CamSdk.Internal;
using TorchSharp;

namespace CamSdk.Targets;

/// <summary>
/// pytorch-grad-cam's <c>SimilarityToConceptTarget</c>: the cosine similarity of each image's embedding to a concept's
/// embedding, for networks without a class head (a feature extractor, an embedding model). The map shows where the image
/// looks like the concept: the embedding of a crop, of another photo, of a text prompt.
/// </summary>
/// <remarks>
/// Each image's output is flattened (an N×512×1×1 featurizer output becomes N×512) and compared with the flattened concept
/// by libtorch's <c>cosine_similarity</c> (ε = 10⁻⁸), as pytorch-grad-cam's <c>torch.nn.CosineSimilarity(dim=0)</c> compares one
/// output row with the concept. Dispose the target to free its copy of the concept.
/// </remarks>
public sealed class SimilarityToConceptTarget : CamTarget, IDisposable
{
    private readonly torch.Tensor _concept;

    // The concept on each device and element type an output came in (a GPU model's outputs): copied there once, not per call.
    private readonly ConcurrentDictionary<(DeviceType Type, int Index, torch.ScalarType Dtype), torch.Tensor> _placed = new();

    /// <summary>Creates the target; the concept is copied (detached), so the caller may dispose its own.</summary>
    /// <param name="concept">The concept's embedding: as many values as one image's output.</param>
    /// <exception cref="ArgumentException">An empty concept, or one with NaN or infinite values.</exception>
    public SimilarityToConceptTarget(torch.Tensor concept)
    {
        ArgumentNullException.ThrowIfNull(concept);
        ObjectDisposedException.ThrowIf(concept.IsInvalid, concept);
        if (concept.numel() == 0 || !concept.is_floating_point() || !concept.isfinite().all().item<bool>())
        {
            throw new ArgumentException($"The concept must be a non-empty floating-point embedding with finite values (got shape {Shapes.Format(concept.shape)}, {concept.dtype}).", nameof(concept));
        }

        _concept = concept.detach().flatten().clone().DetachFromDisposeScope();
    }

    /// <summary>How many values the concept (and each image's output) has.</summary>
    public long Dimensions => _concept.numel();

    /// <inheritdoc />
    public override bool ReadsOwnRowOnly => true;

    /// <inheritdoc />
    public override torch.Tensor ScoreOutput(torch.Tensor output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var rows = output.dim() > 2 ? output.flatten(1) : output;
        if (rows.dim() != 2 || rows.shape[1] != _concept.numel())
        {
            throw new CamTargetException(
                $"The model's output has shape {Shapes.Format(output.shape)}, so each image's embedding has {(rows.dim() == 2 ? rows.shape[1] : 0)} values, " +
                $"but the concept has {_concept.numel()}: embed the concept with the same model and layer.");
        }

        var placed = _concept.device_type == rows.device_type && _concept.device_index == rows.device_index && _concept.dtype == rows.dtype
            ? _concept
            : _placed.GetOrAdd((rows.device_type, rows.device_index, rows.dtype), _ => _concept.to(rows.dtype).to(rows.device).DetachFromDisposeScope());
        using var concept = placed.unsqueeze(0);
        return torch.nn.functional.cosine_similarity(rows, concept, dim: 1, eps: 1e-8);
    }

    /// <summary>Frees the concept's copies.</summary>
    public void Dispose()
    {
        foreach (var placed in _placed.Values)
        {
            placed.Dispose();
        }

        _placed.Clear();
        _concept.Dispose();
    }

    /// <inheritdoc />
    public override string ToString() => $"similarity to a concept ({_concept.numel()} values)";
}
