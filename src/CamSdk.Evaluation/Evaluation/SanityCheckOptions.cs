using System;
using TorchSharp;

namespace CamSdk.Evaluation;

/// <summary>Options of <see cref="SanityCheck.Run"/>.</summary>
public sealed record SanityCheckOptions
{
    /// <summary>Run cascading randomisation. Default true.</summary>
    public bool Cascading { get; init; } = true;

    /// <summary>Run independent randomisation of each layer. Default true.</summary>
    public bool Independent { get; init; } = true;

    /// <summary>Also check Guided Backpropagation and Guided Grad-CAM. Default true.</summary>
    public bool IncludeGuided { get; init; } = true;

    /// <summary>
    /// Makes a new model of the same architecture, which CamSdk fills with the model's weights and then randomises; null
    /// uses the model type's public parameterless constructor. The model checked is never changed; the check disposes the
    /// copy it gets, so return a new module each time.
    /// </summary>
    public Func<torch.nn.Module<torch.Tensor, torch.Tensor>>? CreateModel { get; init; }

    /// <summary>
    /// The names of the modules to randomise (as <c>named_modules</c> gives them), from the top (output) down; null for every
    /// module that owns parameters, in reverse order of their first call in a forward pass (from the classifier down to the
    /// first convolution). Name blocks instead of layers to randomise a block's layers together, as the paper does for Inception.
    /// </summary>
    public System.Collections.Generic.IReadOnlyList<string>? Layers { get; init; }

    /// <summary>
    /// When <see cref="Layers"/> is null: randomise the model's direct children that hold parameters (its blocks, e.g.
    /// ResNet's fc, layer4, …, conv1) instead of every layer, as the paper does for Inception's blocks. Default false.
    /// </summary>
    public bool Blocks { get; init; }

    /// <summary>The seed of the re-initialisations. Default 0.</summary>
    public int Seed { get; init; }

    /// <summary>Images per batch. Default 16.</summary>
    public int BatchSize { get; init; } = 16;

    /// <summary>How many images keep their maps at every step, to show. Default 2.</summary>
    public int GalleryImages { get; init; } = 2;
}
