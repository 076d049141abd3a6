using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CamSdk.Models;

/// <summary>
/// torchvision's Swin Transformer (Swin-T, -S, -B; v1) with the module names of its <c>state_dict</c>. Its default
/// layer is the last block's first layer norm, whose N×H×W×C output is read channels last (7×7 at 224×224), as
/// pytorch-grad-cam's Swin tutorial does; its activations are GELU, so Guided Backpropagation, defined for ReLUs, does
/// not apply.
/// </summary>
[ClassHead]
public sealed partial class SwinTransformer : nn.Module<Tensor, Tensor>, IExplainableModel
{
    private static readonly (string Name, int Embedding, int[] Depths, int[] Heads, double StochasticDepth)[] Sizes =
    [
        ("swin_t", 96, [2, 2, 6, 2], [3, 6, 12, 24], 0.2),
        ("swin_s", 96, [2, 2, 18, 2], [3, 6, 12, 24], 0.3),
        ("swin_b", 128, [2, 2, 18, 2], [4, 8, 16, 32], 0.5),
    ];

    private readonly Sequential features;
    private readonly LayerNorm norm;
    private readonly Permute permute;
    private readonly AdaptiveAvgPool2d avgpool;
    private readonly Flatten flatten;
    private readonly Linear head;
    private readonly SwinBlock[] _lastBlock; // an array, so that RegisterComponents does not register it a second time

    private SwinTransformer(string name, int numClasses) : base(name)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(numClasses, 1);
        Architecture = name;
        ClassCount = numClasses;
        var size = Array.Find(Sizes, s => s.Name == name);
        const int Window = 7;
        var layers = new List<nn.Module<Tensor, Tensor>>
        {
            nn.Sequential(nn.Conv2d(3, size.Embedding, 4, stride: 4), new Permute(0, 2, 3, 1), nn.LayerNorm(size.Embedding)),
        };
        var total = size.Depths.Sum();
        var index = 0;
        SwinBlock? last = null;
        for (int stage = 0; stage < size.Depths.Length; stage++)
        {
            var dim = size.Embedding << stage;
            var blocks = new List<nn.Module<Tensor, Tensor>>();
            for (int b = 0; b < size.Depths[stage]; b++, index++)
            {
                last = new SwinBlock(dim, size.Heads[stage], Window, b % 2 == 0 ? 0 : Window / 2, size.StochasticDepth * index / (total - 1.0));
                blocks.Add(last);
            }

            layers.Add(nn.Sequential(blocks));
            if (stage + 1 < size.Depths.Length)
            {
                layers.Add(new PatchMerging(dim));
            }
        }

        _lastBlock = [last!];
        var features = size.Embedding << (size.Depths.Length - 1);
        this.features = nn.Sequential(layers);
        norm = nn.LayerNorm(features);
        permute = new Permute(0, 3, 1, 2);
        avgpool = nn.AdaptiveAvgPool2d(1);
        flatten = nn.Flatten(1);
        head = nn.Linear(features, numClasses);
        RegisterComponents();

        using var noGrad = no_grad();
        foreach (var (_, module) in named_modules())
        {
            if (module is Linear linear)
            {
                ZooLayers.TruncatedNormal(linear.weight, 0.02);
                if (linear.bias is not null)
                {
                    nn.init.zeros_(linear.bias);
                }
            }
        }
    }

    /// <summary>
    /// The last block's first layer norm (<c>features.7.1.norm1</c>): pytorch-grad-cam's choice
    /// (<c>layers[-1].blocks[-1].norm1</c>), explained channels last.
    /// </summary>
    [ExplainLayer(IsDefault = true)]
    public LayerNorm LastBlockNorm => _lastBlock[0].FirstNorm;

    /// <summary>The architecture's torchvision name, e.g. <c>swin_t</c>.</summary>
    public string Architecture { get; }

    /// <summary>The number of class scores the model returns.</summary>
    public int ClassCount { get; }

    /// <summary>The torchvision names of the family.</summary>
    internal static string[] Names => [.. Sizes.Select(s => s.Name)];

    /// <summary>A Swin Transformer by its torchvision name (<c>swin_t</c>, <c>swin_s</c>, <c>swin_b</c>), with torchvision's initialisation.</summary>
    /// <param name="architecture">The torchvision name.</param>
    /// <param name="numClasses">The number of classes; 1000 for ImageNet weights.</param>
    /// <returns>A new model in training mode; load weights with <see cref="ModelWeights"/>.</returns>
    public static SwinTransformer Create(string architecture, int numClasses = 1000) =>
        Array.Exists(Sizes, s => s.Name == architecture)
            ? new(architecture, numClasses)
            : throw new ArgumentOutOfRangeException(nameof(architecture), architecture, "Not one of torchvision's Swin Transformers: " + string.Join(", ", Names) + ".");

    /// <summary>Every explainable layer (a block norm) is N×H×W×C: read channels last.</summary>
    ActivationReshape? IExplainableModel.GetExplainableLayerReshape(int index) => ActivationReshape.ChannelsLast;

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = avgpool.call(permute.call(norm.call(features.call(input))));
        return head.call(flatten.call(x)).MoveToOuterDisposeScope();
    }
}
