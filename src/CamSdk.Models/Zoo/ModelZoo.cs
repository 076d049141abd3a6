using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace CamSdk.Models;

/// <summary>
/// torchvision's classification builders, by their torchvision names, with torchvision's state-dict names and any class
/// count: what a PyTorch user saved with <c>torch.save(model.state_dict(), path)</c> loads by name
/// (<see cref="ModelWeights"/>) and is explained at each model's default layer.
/// </summary>
public static class ModelZoo
{
    private static readonly Lazy<IReadOnlyList<ZooArchitecture>> All = new(Build);

    /// <summary>Every architecture of the zoo, in torchvision's order of families.</summary>
    public static IReadOnlyList<ZooArchitecture> Architectures => All.Value;

    /// <summary>The architecture of a torchvision name (case-insensitive).</summary>
    /// <param name="name">torchvision's name, e.g. <c>resnet50</c> or <c>convnext_tiny</c>.</param>
    /// <returns>The architecture.</returns>
    /// <exception cref="CamModelException">No architecture has that name; the message lists them.</exception>
    public static ZooArchitecture Find(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return Architectures.FirstOrDefault(a => string.Equals(a.Name, name, StringComparison.OrdinalIgnoreCase))
            ?? throw new CamModelException($"Unknown architecture '{name}'. The zoo knows torchvision's {string.Join(", ", Architectures.Select(a => a.Name))}.");
    }

    /// <summary>Builds the architecture of a torchvision name.</summary>
    /// <param name="name">torchvision's name, e.g. <c>resnet50</c>.</param>
    /// <param name="numClasses">The number of class scores; 1000 for ImageNet weights.</param>
    /// <returns>A new model in training mode.</returns>
    /// <exception cref="CamModelException">No architecture has that name.</exception>
    public static nn.Module<Tensor, Tensor> Create(string name, int numClasses = 1000) => Find(name).Create(numClasses);

    private static IReadOnlyList<ZooArchitecture> Build()
    {
        var list = new List<ZooArchitecture>
        {
            new("alexnet", nameof(AlexNet), "classifier.6.weight", false, AlexNet.Create),
        };
        foreach (var depth in new[] { 11, 13, 16, 19 })
        {
            list.Add(new($"vgg{depth}", nameof(Vgg), "classifier.6.weight", false, n => Vgg.Create(depth, false, n)));
            list.Add(new($"vgg{depth}_bn", nameof(Vgg), "classifier.6.weight", false, n => Vgg.Create(depth, true, n)));
        }

        list.AddRange(ResNet.Names.Select(name => new ZooArchitecture(name, nameof(ResNet), "fc.weight", true, n => ResNet.Create(name, n))));
        list.Add(new("googlenet", nameof(GoogLeNet), "fc.weight", true, n => GoogLeNet.Create(n)));
        list.Add(new("inception_v3", nameof(InceptionV3), "fc.weight", true, n => InceptionV3.Create(n)));
        list.AddRange(DenseNet.Names.Select(name => new ZooArchitecture(name, nameof(DenseNet), "classifier.weight", false, n => DenseNet.Create(name, n))));
        list.Add(new("mobilenet_v2", nameof(MobileNetV2), "classifier.1.weight", true, n => MobileNetV2.Create(n)));
        list.Add(new("mobilenet_v3_small", nameof(MobileNetV3), "classifier.3.weight", false, n => MobileNetV3.Create("mobilenet_v3_small", n)));
        list.Add(new("mobilenet_v3_large", nameof(MobileNetV3), "classifier.3.weight", false, n => MobileNetV3.Create("mobilenet_v3_large", n)));
        list.Add(new("squeezenet1_0", nameof(SqueezeNet), "classifier.1.weight", false, n => SqueezeNet.Create("1_0", n)));
        list.Add(new("squeezenet1_1", nameof(SqueezeNet), "classifier.1.weight", false, n => SqueezeNet.Create("1_1", n)));
        list.AddRange(MnasNet.Names.Select(name => new ZooArchitecture(name, nameof(MnasNet), "classifier.1.weight", true, n => MnasNet.Create(name, n))));
        list.AddRange(ShuffleNetV2.Names.Select(name => new ZooArchitecture(name, nameof(ShuffleNetV2), "fc.weight", true, n => ShuffleNetV2.Create(name, n))));
        list.AddRange(EfficientNet.Names.Select(name => new ZooArchitecture(name, nameof(EfficientNet), "classifier.1.weight", true, n => EfficientNet.Create(name, n))));
        list.AddRange(RegNet.Names.Select(name => new ZooArchitecture(name, nameof(RegNet), "fc.weight", true, n => RegNet.Create(name, n))));
        list.AddRange(ConvNeXt.Names.Select(name => new ZooArchitecture(name, nameof(ConvNeXt), "classifier.2.weight", false, n => ConvNeXt.Create(name, n))));
        list.AddRange(VisionTransformer.Names.Select(name => new ZooArchitecture(name, nameof(VisionTransformer), "heads.head.weight", false, n => VisionTransformer.Create(name, n))));
        list.AddRange(SwinTransformer.Names.Select(name => new ZooArchitecture(name, nameof(SwinTransformer), "head.weight", false, n => SwinTransformer.Create(name, n))));
        return list;
    }
}
