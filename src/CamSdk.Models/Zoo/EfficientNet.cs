using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CamSdk.Models;

/// <summary>
/// torchvision's EfficientNet B0–B7 and EfficientNet V2 S/M/L with the module names of its <c>state_dict</c>. Its
/// activations are SiLU, so Guided Backpropagation, defined for ReLUs, does not apply.
/// </summary>
[ClassHead]
public sealed partial class EfficientNet : nn.Module<Tensor, Tensor>
{
    // One stage: fused (V2's FusedMBConv) or not, expansion, kernel, stride, input and output channels, blocks.
    private sealed record Stage(bool Fused, int Expansion, int Kernel, int Stride, int In, int Out, int Blocks);

    private static readonly Stage[] B =
    [
        new(false, 1, 3, 1, 32, 16, 1), new(false, 6, 3, 2, 16, 24, 2), new(false, 6, 5, 2, 24, 40, 2), new(false, 6, 3, 2, 40, 80, 3),
        new(false, 6, 5, 1, 80, 112, 3), new(false, 6, 5, 2, 112, 192, 4), new(false, 6, 3, 1, 192, 320, 1),
    ];

    private static readonly Stage[] V2S =
    [
        new(true, 1, 3, 1, 24, 24, 2), new(true, 4, 3, 2, 24, 48, 4), new(true, 4, 3, 2, 48, 64, 4),
        new(false, 4, 3, 2, 64, 128, 6), new(false, 6, 3, 1, 128, 160, 9), new(false, 6, 3, 2, 160, 256, 15),
    ];

    private static readonly Stage[] V2M =
    [
        new(true, 1, 3, 1, 24, 24, 3), new(true, 4, 3, 2, 24, 48, 5), new(true, 4, 3, 2, 48, 80, 5), new(false, 4, 3, 2, 80, 160, 7),
        new(false, 6, 3, 1, 160, 176, 14), new(false, 6, 3, 2, 176, 304, 18), new(false, 6, 3, 1, 304, 512, 5),
    ];

    private static readonly Stage[] V2L =
    [
        new(true, 1, 3, 1, 32, 32, 4), new(true, 4, 3, 2, 32, 64, 7), new(true, 4, 3, 2, 64, 96, 7), new(false, 4, 3, 2, 96, 192, 10),
        new(false, 6, 3, 1, 192, 224, 19), new(false, 6, 3, 2, 224, 384, 25), new(false, 6, 3, 1, 384, 640, 7),
    ];

    // torchvision's builders: stages, width and depth multipliers, dropout, stochastic depth, batch norm eps and momentum, last channels (0: 4 × the last stage's).
    private static readonly (string Name, Stage[] Stages, double Width, double Depth, double Dropout, double StochasticDepth, double Eps, double Momentum, int Last)[] Sizes =
    [
        ("efficientnet_b0", B, 1.0, 1.0, 0.2, 0.2, 1e-5, 0.1, 0),
        ("efficientnet_b1", B, 1.0, 1.1, 0.2, 0.2, 1e-5, 0.1, 0),
        ("efficientnet_b2", B, 1.1, 1.2, 0.3, 0.2, 1e-5, 0.1, 0),
        ("efficientnet_b3", B, 1.2, 1.4, 0.3, 0.2, 1e-5, 0.1, 0),
        ("efficientnet_b4", B, 1.4, 1.8, 0.4, 0.2, 1e-5, 0.1, 0),
        ("efficientnet_b5", B, 1.6, 2.2, 0.4, 0.2, 1e-3, 0.01, 0),
        ("efficientnet_b6", B, 1.8, 2.6, 0.5, 0.2, 1e-3, 0.01, 0),
        ("efficientnet_b7", B, 2.0, 3.1, 0.5, 0.2, 1e-3, 0.01, 0),
        ("efficientnet_v2_s", V2S, 1.0, 1.0, 0.2, 0.2, 1e-3, 0.1, 1280),
        ("efficientnet_v2_m", V2M, 1.0, 1.0, 0.3, 0.2, 1e-3, 0.1, 1280),
        ("efficientnet_v2_l", V2L, 1.0, 1.0, 0.4, 0.5, 1e-3, 0.1, 1280),
    ];

    private readonly Sequential features;
    private readonly AdaptiveAvgPool2d avgpool;
    private readonly Sequential classifier;

    private EfficientNet(string name, int numClasses) : base(name)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(numClasses, 1);
        Architecture = name;
        ClassCount = numClasses;
        var size = Array.Find(Sizes, s => s.Name == name);
        var stages = size.Stages.Select(s => s with
        {
            In = ZooLayers.MakeDivisible(s.In * size.Width),
            Out = ZooLayers.MakeDivisible(s.Out * size.Width),
            Blocks = (int)Math.Ceiling(s.Blocks * size.Depth),
        }).ToArray();
        Sequential ConvNorm(long i, long o, long k, long stride = 1, long groups = 1, bool activation = true) =>
            ZooLayers.ConvNormActivation(i, o, k, stride, groups, activation ? Silu : null, size.Eps, size.Momentum);

        var layers = new List<nn.Module<Tensor, Tensor>> { ConvNorm(3, stages[0].In, 3, stride: 2) };
        var total = stages.Sum(s => s.Blocks);
        var index = 0;
        foreach (var stage in stages)
        {
            var blocks = new List<nn.Module<Tensor, Tensor>>();
            for (int b = 0; b < stage.Blocks; b++)
            {
                var (input, stride) = b == 0 ? (stage.In, stage.Stride) : (stage.Out, 1);
                var expanded = ZooLayers.MakeDivisible(input * (double)stage.Expansion);
                var body = new List<nn.Module<Tensor, Tensor>>();
                if (stage.Fused)
                {
                    if (expanded != input)
                    {
                        body.Add(ConvNorm(input, expanded, stage.Kernel, stride));
                        body.Add(ConvNorm(expanded, stage.Out, 1, activation: false));
                    }
                    else
                    {
                        body.Add(ConvNorm(input, stage.Out, stage.Kernel, stride));
                    }
                }
                else
                {
                    if (expanded != input)
                    {
                        body.Add(ConvNorm(input, expanded, 1));
                    }

                    body.Add(ConvNorm(expanded, expanded, stage.Kernel, stride, groups: expanded));
                    body.Add(new SqueezeExcitation(expanded, Math.Max(1, input / 4), Silu, () => nn.Sigmoid()));
                    body.Add(ConvNorm(expanded, stage.Out, 1, activation: false));
                }

                var dropProbability = size.StochasticDepth * index / total;
                blocks.Add(new StochasticDepthBlock(nn.Sequential(body), stride == 1 && input == stage.Out, dropProbability));
                index++;
            }

            layers.Add(nn.Sequential(blocks));
        }

        var last = size.Last > 0 ? size.Last : 4 * stages[^1].Out;
        layers.Add(ConvNorm(stages[^1].Out, last, 1));
        features = nn.Sequential(layers);
        avgpool = nn.AdaptiveAvgPool2d(1);
        classifier = nn.Sequential(nn.Dropout(size.Dropout), nn.Linear(last, numClasses));
        RegisterComponents();

        ZooLayers.Initialise(this);
        using var noGrad = no_grad();
        var range = 1.0 / Math.Sqrt(numClasses);
        nn.init.uniform_(((Linear)classifier[1]).weight, -range, range);
    }

    /// <summary>The convolutional part, <c>features</c>, ending with its last 1×1 convolution (7×7 at 224×224): pytorch-grad-cam's choice (<c>model.features[-1]</c>).</summary>
    [ExplainLayer(IsDefault = true)]
    public Sequential Features => features;

    /// <summary>The architecture's torchvision name, e.g. <c>efficientnet_b0</c> or <c>efficientnet_v2_s</c>.</summary>
    public string Architecture { get; }

    /// <summary>The number of class scores the model returns.</summary>
    public int ClassCount { get; }

    /// <summary>The torchvision names of the family.</summary>
    internal static string[] Names => [.. Sizes.Select(s => s.Name)];

    /// <summary>An EfficientNet by its torchvision name (<c>efficientnet_b0</c> … <c>efficientnet_b7</c>, <c>efficientnet_v2_s</c>, <c>_m</c>, <c>_l</c>), with torchvision's initialisation.</summary>
    /// <param name="architecture">The torchvision name.</param>
    /// <param name="numClasses">The number of classes; 1000 for ImageNet weights.</param>
    /// <returns>A new model in training mode; load weights with <see cref="ModelWeights"/>.</returns>
    public static EfficientNet Create(string architecture, int numClasses = 1000) =>
        Array.Exists(Sizes, s => s.Name == architecture)
            ? new(architecture, numClasses)
            : throw new ArgumentOutOfRangeException(nameof(architecture), architecture, "Not one of torchvision's EfficientNets: " + string.Join(", ", Names) + ".");

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = avgpool.call(features.call(input)).flatten(1);
        return classifier.call(x).MoveToOuterDisposeScope();
    }

    private static nn.Module<Tensor, Tensor> Silu() => nn.SiLU();
}
