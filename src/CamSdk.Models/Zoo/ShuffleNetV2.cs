using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CamSdk.Models;

/// <summary>torchvision's ShuffleNet v2 (×0.5, ×1.0, ×1.5, ×2.0) with the module names of its <c>state_dict</c>. Every ReLU is a module.</summary>
[ClassHead]
public sealed partial class ShuffleNetV2 : nn.Module<Tensor, Tensor>
{
    private static readonly (string Name, int[] Channels)[] Sizes =
    [
        ("shufflenet_v2_x0_5", [24, 48, 96, 192, 1024]),
        ("shufflenet_v2_x1_0", [24, 116, 232, 464, 1024]),
        ("shufflenet_v2_x1_5", [24, 176, 352, 704, 1024]),
        ("shufflenet_v2_x2_0", [24, 244, 488, 976, 2048]),
    ];

    private readonly Sequential conv1;
    private readonly MaxPool2d maxpool;
    private readonly Sequential stage2;
    private readonly Sequential stage3;
    private readonly Sequential stage4;
    private readonly Sequential conv5;
    private readonly Linear fc;

    private ShuffleNetV2(string name, int[] channels, int numClasses) : base(name)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(numClasses, 1);
        Architecture = name;
        ClassCount = numClasses;
        conv1 = nn.Sequential(nn.Conv2d(3, channels[0], 3, stride: 2, padding: 1, bias: false), nn.BatchNorm2d(channels[0]), nn.ReLU());
        maxpool = nn.MaxPool2d(3, stride: 2, padding: 1);
        stage2 = Stage(channels[0], channels[1], 4);
        stage3 = Stage(channels[1], channels[2], 8);
        stage4 = Stage(channels[2], channels[3], 4);
        conv5 = nn.Sequential(nn.Conv2d(channels[3], channels[4], 1, bias: false), nn.BatchNorm2d(channels[4]), nn.ReLU());
        fc = nn.Linear(channels[4], numClasses);
        RegisterComponents();
    }

    /// <summary>The last 1×1 convolution with its batch norm and ReLU, <c>conv5</c> (7×7 at 224×224): pytorch-grad-cam's choice.</summary>
    [ExplainLayer(IsDefault = true)]
    public Sequential Conv5 => conv5;

    /// <summary>The last stage of shuffle units, <c>stage4</c>.</summary>
    [ExplainLayer]
    public Sequential Stage4 => stage4;

    /// <summary>The architecture's torchvision name, e.g. <c>shufflenet_v2_x1_0</c>.</summary>
    public string Architecture { get; }

    /// <summary>The number of class scores the model returns.</summary>
    public int ClassCount { get; }

    /// <summary>The linear class head <c>fc</c>, applied to the spatial mean of <c>conv5</c>.</summary>
    public Linear Classifier => fc;

    /// <summary>The torchvision names of the family.</summary>
    internal static string[] Names => [.. Sizes.Select(s => s.Name)];

    /// <summary>A ShuffleNet v2 by its torchvision name (<c>shufflenet_v2_x0_5</c>, <c>_x1_0</c>, <c>_x1_5</c>, <c>_x2_0</c>), with PyTorch's default initialisation, as torchvision's.</summary>
    /// <param name="architecture">The torchvision name.</param>
    /// <param name="numClasses">The number of classes; 1000 for ImageNet weights.</param>
    /// <returns>A new model in training mode; load weights with <see cref="ModelWeights"/>.</returns>
    public static ShuffleNetV2 Create(string architecture, int numClasses = 1000)
    {
        var size = Array.Find(Sizes, s => s.Name == architecture);
        return size.Name is null
            ? throw new ArgumentOutOfRangeException(nameof(architecture), architecture, "Not one of torchvision's ShuffleNet v2s: " + string.Join(", ", Names) + ".")
            : new(size.Name, size.Channels, numClasses);
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = stage4.call(stage3.call(stage2.call(maxpool.call(conv1.call(input)))));
        return fc.call(conv5.call(x).mean([2, 3])).MoveToOuterDisposeScope();
    }

    private static Sequential Stage(int input, int output, int repeats)
    {
        var units = new List<nn.Module<Tensor, Tensor>> { new ShuffleUnit(input, output, 2) };
        units.AddRange(Enumerable.Range(1, repeats - 1).Select(_ => new ShuffleUnit(output, output, 1)));
        return nn.Sequential(units);
    }
}
