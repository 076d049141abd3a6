using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CamSdk.Models;

/// <summary>
/// torchvision's MNASNet (B1, depth multipliers 0.5, 0.75, 1.0, 1.3; its version 2 stem) with the module names of its
/// <c>state_dict</c>. Every ReLU is a module.
/// </summary>
[ClassHead]
public sealed partial class MnasNet : nn.Module<Tensor, Tensor>
{
    private const double Momentum = 1 - 0.9997;

    private static readonly (string Name, double Alpha)[] Sizes = [("mnasnet0_5", 0.5), ("mnasnet0_75", 0.75), ("mnasnet1_0", 1.0), ("mnasnet1_3", 1.3)];

    private readonly Sequential layers;
    private readonly Sequential classifier;

    private MnasNet(string name, double alpha, int numClasses) : base(name)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(numClasses, 1);
        Architecture = name;
        ClassCount = numClasses;
        var depths = new[] { 32, 16, 24, 40, 80, 96, 192, 320 }.Select(d => ZooLayers.MakeDivisible(d * alpha)).ToArray();
        var modules = new List<nn.Module<Tensor, Tensor>>
        {
            nn.Conv2d(3, depths[0], 3, stride: 2, padding: 1, bias: false), nn.BatchNorm2d(depths[0], momentum: Momentum), nn.ReLU(),
            nn.Conv2d(depths[0], depths[0], 3, padding: 1, groups: depths[0], bias: false), nn.BatchNorm2d(depths[0], momentum: Momentum), nn.ReLU(),
            nn.Conv2d(depths[0], depths[1], 1, bias: false), nn.BatchNorm2d(depths[1], momentum: Momentum),
            Stack(depths[1], depths[2], 3, 2, 3, 3),
            Stack(depths[2], depths[3], 5, 2, 3, 3),
            Stack(depths[3], depths[4], 5, 2, 6, 3),
            Stack(depths[4], depths[5], 3, 1, 6, 2),
            Stack(depths[5], depths[6], 5, 2, 6, 4),
            Stack(depths[6], depths[7], 3, 1, 6, 1),
            nn.Conv2d(depths[7], 1280, 1, bias: false), nn.BatchNorm2d(1280, momentum: Momentum), nn.ReLU(),
        };
        layers = nn.Sequential(modules);
        classifier = nn.Sequential(nn.Dropout(0.2), nn.Linear(1280, numClasses));
        RegisterComponents();
        ZooLayers.Initialise(this);
    }

    /// <summary>The convolutional part, torchvision's <c>layers</c>, ending with its last 1×1 convolution and ReLU (7×7 at 224×224).</summary>
    [ExplainLayer(IsDefault = true)]
    public Sequential Features => layers;

    /// <summary>The architecture's torchvision name, e.g. <c>mnasnet1_0</c>.</summary>
    public string Architecture { get; }

    /// <summary>The number of class scores the model returns.</summary>
    public int ClassCount { get; }

    /// <summary>The torchvision names of the family.</summary>
    internal static string[] Names => [.. Sizes.Select(s => s.Name)];

    /// <summary>An MNASNet by its torchvision name (<c>mnasnet0_5</c>, <c>mnasnet0_75</c>, <c>mnasnet1_0</c>, <c>mnasnet1_3</c>).</summary>
    /// <param name="architecture">The torchvision name.</param>
    /// <param name="numClasses">The number of classes; 1000 for ImageNet weights.</param>
    /// <returns>A new model in training mode; load weights with <see cref="ModelWeights"/>.</returns>
    public static MnasNet Create(string architecture, int numClasses = 1000)
    {
        var size = Array.Find(Sizes, s => s.Name == architecture);
        return size.Name is null
            ? throw new ArgumentOutOfRangeException(nameof(architecture), architecture, "Not one of torchvision's MNASNets: " + string.Join(", ", Names) + ".")
            : new(size.Name, size.Alpha, numClasses);
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        return classifier.call(layers.call(input).mean([2, 3])).MoveToOuterDisposeScope();
    }

    private static Sequential Stack(int input, int output, int kernel, int stride, int expansion, int repeats) =>
        nn.Sequential(Enumerable.Range(0, repeats).Select(i => Block(i == 0 ? input : output, output, kernel, i == 0 ? stride : 1, expansion)));

    private static nn.Module<Tensor, Tensor> Block(int input, int output, int kernel, int stride, int expansion)
    {
        var middle = input * expansion;
        var body = nn.Sequential(
            nn.Conv2d(input, middle, 1, bias: false), nn.BatchNorm2d(middle, momentum: Momentum), nn.ReLU(),
            nn.Conv2d(middle, middle, kernel, stride: stride, padding: kernel / 2, groups: middle, bias: false), nn.BatchNorm2d(middle, momentum: Momentum), nn.ReLU(),
            nn.Conv2d(middle, output, 1, bias: false), nn.BatchNorm2d(output, momentum: Momentum));
        return new InvertedResidual("layers", body, input == output && stride == 1);
    }
}
