using System;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CamSdk.Models;

/// <summary>
/// torchvision's AlexNet (the "one weird trick" variant) with the module names of its <c>state_dict</c>. Every ReLU
/// is a module.
/// </summary>
[ClassHead]
public sealed partial class AlexNet : nn.Module<Tensor, Tensor>
{
    private readonly Sequential features;
    private readonly AdaptiveAvgPool2d avgpool;
    private readonly Sequential classifier;

    private AlexNet(int numClasses) : base("alexnet")
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(numClasses, 1);
        ClassCount = numClasses;
        features = nn.Sequential(
            nn.Conv2d(3, 64, 11, stride: 4, padding: 2), nn.ReLU(), nn.MaxPool2d(3, stride: 2),
            nn.Conv2d(64, 192, 5, padding: 2), nn.ReLU(), nn.MaxPool2d(3, stride: 2),
            nn.Conv2d(192, 384, 3, padding: 1), nn.ReLU(),
            nn.Conv2d(384, 256, 3, padding: 1), nn.ReLU(),
            nn.Conv2d(256, 256, 3, padding: 1), nn.ReLU(), nn.MaxPool2d(3, stride: 2));
        avgpool = nn.AdaptiveAvgPool2d([6, 6]);
        classifier = nn.Sequential(
            nn.Dropout(0.5), nn.Linear(256 * 6 * 6, 4096), nn.ReLU(),
            nn.Dropout(0.5), nn.Linear(4096, 4096), nn.ReLU(),
            nn.Linear(4096, numClasses));
        RegisterComponents();
        ZooLayers.Initialise(this);
    }

    /// <summary>The convolutional part, <c>features</c>, ending with its last max pooling (6×6 at 224×224).</summary>
    [ExplainLayer(IsDefault = true)]
    public Sequential Features => features;

    /// <summary>The architecture's torchvision name, <c>alexnet</c>.</summary>
    public string Architecture => "alexnet";

    /// <summary>The number of class scores the model returns.</summary>
    public int ClassCount { get; }

    /// <summary>AlexNet as torchvision builds it.</summary>
    /// <param name="numClasses">The number of classes; 1000 for ImageNet weights.</param>
    /// <returns>A new model in training mode; load weights with <see cref="ModelWeights"/>.</returns>
    public static AlexNet Create(int numClasses = 1000) => new(numClasses);

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = avgpool.call(features.call(input)).flatten(1);
        return classifier.call(x).MoveToOuterDisposeScope();
    }
}
