using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CamSdk.Models;

/// <summary>
/// torchvision's RegNet X and Y (400MF to 128GF) with the module names of its <c>state_dict</c>: stages computed from
/// torchvision's design parameters (depth, w0, wa, wm, group width, squeeze-excitation ratio) as its
/// <c>BlockParams.from_init_params</c> does. Every ReLU is a module.
/// </summary>
[ClassHead]
public sealed partial class RegNet : nn.Module<Tensor, Tensor>
{
    private static readonly (string Name, int Depth, int W0, double Wa, double Wm, int GroupWidth, double SeRatio)[] Sizes =
    [
        ("regnet_y_400mf", 16, 48, 27.89, 2.09, 8, 0.25),
        ("regnet_y_800mf", 14, 56, 38.84, 2.4, 16, 0.25),
        ("regnet_y_1_6gf", 27, 48, 20.71, 2.65, 24, 0.25),
        ("regnet_y_3_2gf", 21, 80, 42.63, 2.66, 24, 0.25),
        ("regnet_y_8gf", 17, 192, 76.82, 2.19, 56, 0.25),
        ("regnet_y_16gf", 18, 200, 106.23, 2.48, 112, 0.25),
        ("regnet_y_32gf", 20, 232, 115.89, 2.53, 232, 0.25),
        ("regnet_y_128gf", 27, 456, 160.83, 2.52, 264, 0.25),
        ("regnet_x_400mf", 22, 24, 24.48, 2.54, 16, 0),
        ("regnet_x_800mf", 16, 56, 35.73, 2.28, 16, 0),
        ("regnet_x_1_6gf", 18, 80, 34.01, 2.25, 24, 0),
        ("regnet_x_3_2gf", 25, 88, 26.31, 2.25, 48, 0),
        ("regnet_x_8gf", 23, 80, 49.56, 2.88, 120, 0),
        ("regnet_x_16gf", 22, 216, 55.59, 2.1, 128, 0),
        ("regnet_x_32gf", 23, 320, 69.86, 2.0, 168, 0),
    ];

    private readonly Sequential stem;
    private readonly Sequential trunk_output;
    private readonly AdaptiveAvgPool2d avgpool;
    private readonly Linear fc;

    private RegNet(string name, int numClasses) : base(name)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(numClasses, 1);
        Architecture = name;
        ClassCount = numClasses;
        var size = Array.Find(Sizes, s => s.Name == name);
        const int StemWidth = 32;
        stem = ZooLayers.ConvNormActivation(3, StemWidth, 3, stride: 2, activation: () => nn.ReLU());
        trunk_output = nn.Sequential();
        var width = StemWidth;
        var stages = Stages(size.Depth, size.W0, size.Wa, size.Wm, size.GroupWidth);
        for (int i = 0; i < stages.Count; i++)
        {
            var (stageWidth, depth, groupWidth) = stages[i];
            var stage = nn.Sequential();
            for (int b = 0; b < depth; b++)
            {
                stage.append($"block{i + 1}-{b}", new RegNetBlock(b == 0 ? width : stageWidth, stageWidth, b == 0 ? 2 : 1, groupWidth, size.SeRatio));
            }

            trunk_output.append($"block{i + 1}", stage);
            width = stageWidth;
        }

        avgpool = nn.AdaptiveAvgPool2d(1);
        fc = nn.Linear(width, numClasses);
        RegisterComponents();

        using var noGrad = no_grad();
        foreach (var (_, module) in named_modules())
        {
            switch (module)
            {
                case Conv2d conv:
                    nn.init.normal_(conv.weight, 0, Math.Sqrt(2.0 / (conv.weight.shape[0] * conv.weight.shape[2] * conv.weight.shape[3])));
                    break;
                case BatchNorm2d bn:
                    nn.init.ones_(bn.weight);
                    nn.init.zeros_(bn.bias);
                    break;
                case Linear linear:
                    nn.init.normal_(linear.weight, 0, 0.01);
                    nn.init.zeros_(linear.bias);
                    break;
            }
        }
    }

    /// <summary>The last stage's output, <c>trunk_output</c> (7×7 at 224×224): pytorch-grad-cam's choice.</summary>
    [ExplainLayer(IsDefault = true)]
    public Sequential TrunkOutput => trunk_output;

    /// <summary>The architecture's torchvision name, e.g. <c>regnet_y_400mf</c>.</summary>
    public string Architecture { get; }

    /// <summary>The number of class scores the model returns.</summary>
    public int ClassCount { get; }

    /// <summary>The linear class head <c>fc</c>, applied to the globally average-pooled <c>trunk_output</c>.</summary>
    public Linear Classifier => fc;

    /// <summary>The torchvision names of the family.</summary>
    internal static string[] Names => [.. Sizes.Select(s => s.Name)];

    /// <summary>A RegNet by its torchvision name (<c>regnet_x_400mf</c> … <c>regnet_x_32gf</c>, <c>regnet_y_400mf</c> … <c>regnet_y_128gf</c>), with torchvision's initialisation.</summary>
    /// <param name="architecture">The torchvision name.</param>
    /// <param name="numClasses">The number of classes; 1000 for ImageNet weights.</param>
    /// <returns>A new model in training mode; load weights with <see cref="ModelWeights"/>.</returns>
    public static RegNet Create(string architecture, int numClasses = 1000) =>
        Array.Exists(Sizes, s => s.Name == architecture)
            ? new(architecture, numClasses)
            : throw new ArgumentOutOfRangeException(nameof(architecture), architecture, "Not one of torchvision's RegNets: " + string.Join(", ", Names) + ".");

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = avgpool.call(trunk_output.call(stem.call(input))).flatten(1);
        return fc.call(x).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// torchvision's <c>BlockParams.from_init_params</c> (bottleneck multiplier 1), in float32 as torch computes it:
    /// quantized linear widths, split into stages of equal width, then widths made divisible by the group width.
    /// </summary>
    private static List<(int Width, int Depth, int GroupWidth)> Stages(int depth, int w0, double wa, double wm, int groupWidth)
    {
        var blockWidths = new int[depth];
        for (int i = 0; i < depth; i++)
        {
            var continuous = (i * (float)wa) + w0;
            var capacity = MathF.Round(MathF.Log(continuous / w0) / (float)Math.Log(wm));
            blockWidths[i] = (int)(MathF.Round(w0 * MathF.Pow((float)wm, capacity) / 8) * 8);
        }

        var stages = new List<(int Width, int Depth, int GroupWidth)>();
        for (int i = 0; i < depth; i++)
        {
            if (i == 0 || blockWidths[i] != blockWidths[i - 1])
            {
                stages.Add((blockWidths[i], 1, groupWidth));
            }
            else
            {
                stages[^1] = (stages[^1].Width, stages[^1].Depth + 1, groupWidth);
            }
        }

        return [.. stages.Select(s =>
        {
            var g = Math.Min(groupWidth, s.Width);
            return (ZooLayers.MakeDivisible(s.Width, g), s.Depth, g);
        })];
    }
}
