using System;
using TorchSharp;
using static TorchSharp.torch;

namespace CamSdk.Models;

/// <summary>One architecture of the zoo: a torchvision classification builder, by its torchvision name.</summary>
public sealed class ZooArchitecture
{
    private readonly Func<int, nn.Module<Tensor, Tensor>> _create;

    internal ZooArchitecture(string name, string family, string classifierKey, bool endsInGlobalAveragePooling, Func<int, nn.Module<Tensor, Tensor>> create)
    {
        Name = name;
        Family = family;
        ClassifierKey = classifierKey;
        EndsInGlobalAveragePooling = endsInGlobalAveragePooling;
        _create = create;
    }

    /// <summary>torchvision's name of the builder, e.g. <c>resnet50</c>, <c>efficientnet_b0</c>, <c>vit_b_16</c>.</summary>
    public string Name { get; }

    /// <summary>The family, the zoo class that builds it (e.g. <c>ResNet</c> for <c>resnext50_32x4d</c>).</summary>
    public string Family { get; }

    /// <summary>The state-dict key of the class head's weight, whose first dimension is the number of classes.</summary>
    public string ClassifierKey { get; }

    /// <summary>
    /// True when the class scores are one linear layer applied to the global average of the default layer (so CAM,
    /// which weights that layer's channels with the head's weights, applies and equals Grad-CAM).
    /// </summary>
    public bool EndsInGlobalAveragePooling { get; }

    /// <summary>Builds the model, with torchvision's initialisation, in training mode.</summary>
    /// <param name="numClasses">The number of class scores; 1000 for ImageNet weights.</param>
    /// <returns>A new model; load weights with <see cref="ModelWeights"/>.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="numClasses"/> is less than 1.</exception>
    public nn.Module<Tensor, Tensor> Create(int numClasses = 1000)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(numClasses, 1);
        return _create(numClasses);
    }

    /// <inheritdoc />
    public override string ToString() => Name;
}
