using System;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace CamSdk.Models;

/// <summary>One architecture of the zoo: a torchvision classification builder, by its torchvision name.</summary>
public sealed class ZooArchitecture
{
    private readonly Func<int, nn.Module<Tensor, Tensor>> _create;

    internal ZooArchitecture(string name, string family, string classifierKey, string defaultLayer, bool endsInGlobalAveragePooling, Func<int, nn.Module<Tensor, Tensor>> create)
    {
        Name = name;
        Family = family;
        ClassifierKey = classifierKey;
        DefaultLayer = defaultLayer;
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
    /// The module path (as <c>named_modules()</c> names it) of the layer the model explains by default, the one it marks
    /// <c>[ExplainLayer(IsDefault = true)]</c>: pytorch-grad-cam's choice for the family (e.g. <c>layer4</c>, <c>features</c>).
    /// </summary>
    public string DefaultLayer { get; }

    /// <summary>The number of parameters at 1000 classes (torchvision's <c>num_params</c>; buffers not counted).</summary>
    public long Parameters => TorchvisionKeys.Architectures[Name]
        .Where(e => !e.Key.EndsWith("running_mean", StringComparison.Ordinal) && !e.Key.EndsWith("running_var", StringComparison.Ordinal)
            && !e.Key.EndsWith("num_batches_tracked", StringComparison.Ordinal) && !e.Key.EndsWith("relative_position_index", StringComparison.Ordinal))
        .Sum(e => e.Value.Aggregate(1L, (a, d) => a * d));

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
