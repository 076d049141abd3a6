using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CamSdk.Models;

/// <summary>
/// torchvision's ConvNeXt (tiny, small, base, large) with the module names of its <c>state_dict</c>. Its activations
/// are GELU, so Guided Backpropagation, defined for ReLUs, does not apply.
/// </summary>
[ClassHead]
public sealed partial class ConvNeXt : nn.Module<Tensor, Tensor>
{
    // torchvision's builders: channels per stage, blocks per stage, stochastic depth probability.
    private static readonly (string Name, int[] Channels, int[] Blocks, double StochasticDepth)[] Sizes =
    [
        ("convnext_tiny", [96, 192, 384, 768], [3, 3, 9, 3], 0.1),
        ("convnext_small", [96, 192, 384, 768], [3, 3, 27, 3], 0.4),
        ("convnext_base", [128, 256, 512, 1024], [3, 3, 27, 3], 0.5),
        ("convnext_large", [192, 384, 768, 1536], [3, 3, 27, 3], 0.5),
    ];

    private readonly Sequential features;
    private readonly AdaptiveAvgPool2d avgpool;
    private readonly Sequential classifier;

    private ConvNeXt(string name, int numClasses) : base(name)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(numClasses, 1);
        Architecture = name;
        ClassCount = numClasses;
        var size = Array.Find(Sizes, s => s.Name == name);
        var channels = size.Channels;
        var layers = new List<nn.Module<Tensor, Tensor>>
        {
            nn.Sequential(nn.Conv2d(3, channels[0], 4, stride: 4), new LayerNorm2d(channels[0])),
        };
        var total = size.Blocks.Sum();
        var index = 0;
        for (int stage = 0; stage < channels.Length; stage++)
        {
            var blocks = new List<nn.Module<Tensor, Tensor>>();
            for (int b = 0; b < size.Blocks[stage]; b++, index++)
            {
                blocks.Add(new ConvNeXtBlock(channels[stage], 1e-6, size.StochasticDepth * index / (total - 1.0)));
            }

            layers.Add(nn.Sequential(blocks));
            if (stage + 1 < channels.Length)
            {
                layers.Add(nn.Sequential(new LayerNorm2d(channels[stage]), nn.Conv2d(channels[stage], channels[stage + 1], 2, stride: 2)));
            }
        }

        features = nn.Sequential(layers);
        avgpool = nn.AdaptiveAvgPool2d(1);
        classifier = nn.Sequential(new LayerNorm2d(channels[^1]), nn.Flatten(1), nn.Linear(channels[^1], numClasses));
        RegisterComponents();

        using var noGrad = no_grad();
        foreach (var (_, module) in named_modules())
        {
            var (weight, bias) = module switch
            {
                Conv2d conv => (conv.weight, conv.bias),
                Linear linear => (linear.weight, linear.bias),
                _ => (null, null),
            };
            if (weight is not null)
            {
                ZooLayers.TruncatedNormal(weight, 0.02);
                if (bias is not null)
                {
                    nn.init.zeros_(bias);
                }
            }
        }
    }

    /// <summary>The convolutional part, <c>features</c>, ending with the last stage of blocks (7×7 at 224×224).</summary>
    [ExplainLayer(IsDefault = true)]
    public Sequential Features => features;

    /// <summary>The architecture's torchvision name, e.g. <c>convnext_tiny</c>.</summary>
    public string Architecture { get; }

    /// <summary>The number of class scores the model returns.</summary>
    public int ClassCount { get; }

    /// <summary>The torchvision names of the family.</summary>
    internal static string[] Names => [.. Sizes.Select(s => s.Name)];

    /// <summary>A ConvNeXt by its torchvision name (<c>convnext_tiny</c>, <c>_small</c>, <c>_base</c>, <c>_large</c>), with torchvision's initialisation.</summary>
    /// <param name="architecture">The torchvision name.</param>
    /// <param name="numClasses">The number of classes; 1000 for ImageNet weights.</param>
    /// <returns>A new model in training mode; load weights with <see cref="ModelWeights"/>.</returns>
    public static ConvNeXt Create(string architecture, int numClasses = 1000) =>
        Array.Exists(Sizes, s => s.Name == architecture)
            ? new(architecture, numClasses)
            : throw new ArgumentOutOfRangeException(nameof(architecture), architecture, "Not one of torchvision's ConvNeXts: " + string.Join(", ", Names) + ".");

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        return classifier.call(avgpool.call(features.call(input))).MoveToOuterDisposeScope();
    }
}
