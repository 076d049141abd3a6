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

    /// <summary>
    /// The architecture a state dict belongs to: the one whose torchvision keys are exactly its keys, with the same
    /// shapes everywhere but in the class head (whose first dimension is the number of classes).
    /// </summary>
    /// <param name="stateDictShapes">A state dict's keys and shapes (<see cref="ModelWeights.ReadShapes"/>).</param>
    /// <returns>The architecture, or null when the keys are no torchvision classifier's.</returns>
    public static ZooArchitecture? Identify(IReadOnlyDictionary<string, long[]> stateDictShapes)
    {
        ArgumentNullException.ThrowIfNull(stateDictShapes);
        var (name, overlap, _) = TorchvisionKeys.Closest(stateDictShapes);
        var architecture = Find(name);
        var reference = TorchvisionKeys.Architectures[name];
        var head = architecture.ClassifierKey[..^"weight".Length];
        return overlap == 1 && reference.All(e => e.Key.StartsWith(head, StringComparison.Ordinal)
            ? stateDictShapes[e.Key].Skip(1).SequenceEqual(e.Value.Skip(1))
            : stateDictShapes[e.Key].SequenceEqual(e.Value))
            ? architecture
            : null;
    }

    /// <summary>
    /// Why a state dict does not fit an architecture, in a sentence for an error message: the torchvision architecture it
    /// belongs to (when it is another, or another size of the same family), or the class count it has (when only the
    /// class head differs); null when it is no torchvision classifier's.
    /// </summary>
    /// <param name="stateDictShapes">The file's keys and shapes.</param>
    /// <param name="asked">The architecture the weights were loaded into (its torchvision name), or null.</param>
    /// <param name="modelShapes">The model's own keys and shapes, when it is built, or null.</param>
    internal static string? Diagnose(IReadOnlyDictionary<string, long[]> stateDictShapes, string? asked, IReadOnlyDictionary<string, long[]>? modelShapes)
    {
        var (name, overlap, same) = TorchvisionKeys.Closest(stateDictShapes);
        if (overlap < 0.9)
        {
            return null;
        }

        var closest = Find(name);
        var keys = TorchvisionKeys.Architectures[name].Count;
        var fit = $"{Math.Round(overlap * 100)} % of the keys, {same} of {keys} shapes";
        if (asked is null || !string.Equals(asked, name, StringComparison.OrdinalIgnoreCase))
        {
            var askedFamily = asked is null ? null : Architectures.FirstOrDefault(a => string.Equals(a.Name, asked, StringComparison.OrdinalIgnoreCase))?.Family;
            var what = askedFamily == closest.Family ? $"another size of {closest.Family}: they fit {name}" : $"torchvision's {name}";
            return $"These weights are {what} ({fit}), not {asked ?? "this model"}: build ModelZoo.Create(\"{name}\", numClasses) (camsdk: --arch {name}).";
        }

        return stateDictShapes.TryGetValue(closest.ClassifierKey, out var head) && head.Length > 0
            && modelShapes is not null && modelShapes.TryGetValue(closest.ClassifierKey, out var modelHead) && modelHead.Length > 0
            && head[0] is var classes && modelHead[0] is var built && classes != built
            ? $"The weights' class head {closest.ClassifierKey} has {classes} classes and the model {built}: build it with numClasses: {classes}."
            : null;
    }

    private static IReadOnlyList<ZooArchitecture> Build()
    {
        ZooArchitecture Of(string name, string family, string head, string layer, bool gap, Func<int, nn.Module<Tensor, Tensor>> create) => new(name, family, head, layer, gap, create);
        var list = new List<ZooArchitecture> { Of("alexnet", nameof(AlexNet), "classifier.6.weight", "features", false, AlexNet.Create) };
        foreach (var depth in new[] { 11, 13, 16, 19 })
        {
            list.Add(Of($"vgg{depth}", nameof(Vgg), "classifier.6.weight", "features", false, n => Vgg.Create(depth, false, n)));
            list.Add(Of($"vgg{depth}_bn", nameof(Vgg), "classifier.6.weight", "features", false, n => Vgg.Create(depth, true, n)));
        }

        list.AddRange(ResNet.Names.Select(name => Of(name, nameof(ResNet), "fc.weight", "layer4", true, n => ResNet.Create(name, n))));
        list.Add(Of("googlenet", nameof(GoogLeNet), "fc.weight", "inception5b", true, n => GoogLeNet.Create(n)));
        list.Add(Of("inception_v3", nameof(InceptionV3), "fc.weight", "Mixed_7c", true, n => InceptionV3.Create(n)));
        list.AddRange(DenseNet.Names.Select(name => Of(name, nameof(DenseNet), "classifier.weight", "features", false, n => DenseNet.Create(name, n))));
        list.Add(Of("mobilenet_v2", nameof(MobileNetV2), "classifier.1.weight", "features", true, n => MobileNetV2.Create(n)));
        foreach (var name in new[] { "mobilenet_v3_small", "mobilenet_v3_large" })
        {
            list.Add(Of(name, nameof(MobileNetV3), "classifier.3.weight", "features", false, n => MobileNetV3.Create(name, n)));
        }

        foreach (var version in new[] { "1_0", "1_1" })
        {
            list.Add(Of("squeezenet" + version, nameof(SqueezeNet), "classifier.1.weight", "features", false, n => SqueezeNet.Create(version, n)));
        }

        list.AddRange(MnasNet.Names.Select(name => Of(name, nameof(MnasNet), "classifier.1.weight", "layers", true, n => MnasNet.Create(name, n))));
        list.AddRange(ShuffleNetV2.Names.Select(name => Of(name, nameof(ShuffleNetV2), "fc.weight", "conv5", true, n => ShuffleNetV2.Create(name, n))));
        list.AddRange(EfficientNet.Names.Select(name => Of(name, nameof(EfficientNet), "classifier.1.weight", "features", true, n => EfficientNet.Create(name, n))));
        list.AddRange(RegNet.Names.Select(name => Of(name, nameof(RegNet), "fc.weight", "trunk_output", true, n => RegNet.Create(name, n))));
        list.AddRange(ConvNeXt.Names.Select(name => Of(name, nameof(ConvNeXt), "classifier.2.weight", "features", false, n => ConvNeXt.Create(name, n))));
        list.AddRange(VisionTransformer.Names.Select(name =>
            Of(name, nameof(VisionTransformer), "heads.head.weight", $"encoder.layers.encoder_layer_{VisionTransformer.Depth(name) - 1}.ln_1", false, n => VisionTransformer.Create(name, n))));
        list.AddRange(SwinTransformer.Names.Select(name => Of(name, nameof(SwinTransformer), "head.weight", "features.7.1.norm1", false, n => SwinTransformer.Create(name, n))));
        return list;
    }
}
