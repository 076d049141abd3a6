using System;
using System.Collections.Generic;
using System.Linq;
using CamSdk.Internal;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CamSdk.Models;

/// <summary>
/// torchvision's ResNet (v1.5) with the module names of its <c>state_dict</c>, so that weights saved by PyTorch
/// (<c>torch.save(model.state_dict(), path)</c>) load by name. Every ReLU application is a ReLU module run through
/// <c>call</c>, as in torchvision's Python code, so Guided Backpropagation guides all of them.
/// </summary>
[ClassHead]
public sealed partial class ResNet : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly ReLU relu;
    private readonly MaxPool2d maxpool;

    private readonly Sequential layer1;
    private readonly Sequential layer2;
    private readonly Sequential layer3;
    private readonly Sequential layer4;
    private readonly AdaptiveAvgPool2d avgpool;
    private readonly Linear fc;

    private ResNet(string name, bool bottleneck, IReadOnlyList<int> layers, int numClasses, int groups = 1, int widthPerGroup = 64) : base(name)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(numClasses, 1);
        Architecture = name;
        ClassCount = numClasses;
        var expansion = bottleneck ? Bottleneck.Expansion : BasicBlock.Expansion;
        var inPlanes = 64;
        conv1 = nn.Conv2d(3, 64, 7, stride: 2, padding: 3, bias: false);
        bn1 = nn.BatchNorm2d(64);
        relu = nn.ReLU();
        maxpool = nn.MaxPool2d(3, stride: 2, padding: 1);
        layer1 = MakeLayer(bottleneck, ref inPlanes, 64, layers[0], stride: 1, groups, widthPerGroup);
        layer2 = MakeLayer(bottleneck, ref inPlanes, 128, layers[1], stride: 2, groups, widthPerGroup);
        layer3 = MakeLayer(bottleneck, ref inPlanes, 256, layers[2], stride: 2, groups, widthPerGroup);
        layer4 = MakeLayer(bottleneck, ref inPlanes, 512, layers[3], stride: 2, groups, widthPerGroup);
        avgpool = nn.AdaptiveAvgPool2d(1);
        fc = nn.Linear(512 * expansion, numClasses);
        RegisterComponents();
        Initialise();
    }

    /// <summary>The first residual stage, <c>layer1</c> (stride 4, 64·expansion channels).</summary>
    [ExplainLayer]
    public Sequential Layer1 => layer1;

    /// <summary>The second residual stage, <c>layer2</c> (stride 8).</summary>
    [ExplainLayer]
    public Sequential Layer2 => layer2;

    /// <summary>The third residual stage, <c>layer3</c> (stride 16).</summary>
    [ExplainLayer]
    public Sequential Layer3 => layer3;

    /// <summary>The last residual stage, <c>layer4</c> (stride 32, 7×7 at 224×224): the layer the Grad-CAM paper explains.</summary>
    [ExplainLayer(IsDefault = true)]
    public Sequential Layer4 => layer4;

    /// <summary>
    /// The linear class head <c>fc</c>, applied to the globally average-pooled <c>layer4</c>: what CAM weights
    /// <c>layer4</c>'s channels with (<see cref="Methods.Cam"/>).
    /// </summary>
    public Linear Classifier => fc;

    /// <summary>The architecture's torchvision name, e.g. <c>resnet50</c>.</summary>
    public string Architecture { get; }

    /// <summary>The number of class scores the model returns.</summary>
    public int ClassCount { get; }

    /// <summary>
    /// A ResNet of torchvision's family by its torchvision name: <c>resnet18</c>, <c>resnet34</c>, <c>resnet50</c>,
    /// <c>resnet101</c>, <c>resnet152</c>, <c>resnext50_32x4d</c>, <c>resnext101_32x8d</c>, <c>resnext101_64x4d</c>,
    /// <c>wide_resnet50_2</c> or <c>wide_resnet101_2</c>, with torchvision's initialisation.
    /// </summary>
    /// <param name="architecture">The torchvision name.</param>
    /// <param name="numClasses">The number of classes; 1000 for ImageNet weights.</param>
    /// <returns>A new model in training mode; load weights with <see cref="ModelWeights"/>.</returns>
    public static ResNet Create(string architecture, int numClasses = 1000)
    {
        var c = Array.Find(Configurations, c => c.Name == architecture)
            ?? throw new ArgumentOutOfRangeException(nameof(architecture), architecture, "Not one of torchvision's ResNets: " + string.Join(", ", Names) + ".");
        return new(c.Name, c.Bottleneck, c.Layers, numClasses, c.Groups, c.WidthPerGroup);
    }

    /// <summary>ResNet-18 (basic blocks, 2-2-2-2), with torchvision's initialisation.</summary>
    /// <param name="numClasses">The number of classes; 1000 for ImageNet weights.</param>
    /// <returns>A new model in training mode; load weights with <see cref="ModelWeights"/>.</returns>
    public static ResNet ResNet18(int numClasses = 1000) => Create("resnet18", numClasses);

    /// <summary>ResNet-34 (basic blocks, 3-4-6-3), with torchvision's initialisation.</summary>
    /// <param name="numClasses">The number of classes; 1000 for ImageNet weights.</param>
    /// <returns>A new model in training mode; load weights with <see cref="ModelWeights"/>.</returns>
    public static ResNet ResNet34(int numClasses = 1000) => Create("resnet34", numClasses);

    /// <summary>ResNet-50 (bottleneck blocks, 3-4-6-3), with torchvision's initialisation.</summary>
    /// <param name="numClasses">The number of classes; 1000 for ImageNet weights.</param>
    /// <returns>A new model in training mode; load weights with <see cref="ModelWeights"/>.</returns>
    public static ResNet ResNet50(int numClasses = 1000) => Create("resnet50", numClasses);

    /// <summary>The torchvision names of the family.</summary>
    internal static IEnumerable<string> Names => Configurations.Select(c => c.Name);

    // torchvision's builders: block, blocks per stage, groups and width per group of the 3×3 convolutions.
    private static readonly Configuration[] Configurations =
    [
        new("resnet18", false, [2, 2, 2, 2]),
        new("resnet34", false, [3, 4, 6, 3]),
        new("resnet50", true, [3, 4, 6, 3]),
        new("resnet101", true, [3, 4, 23, 3]),
        new("resnet152", true, [3, 8, 36, 3]),
        new("resnext50_32x4d", true, [3, 4, 6, 3], 32, 4),
        new("resnext101_32x8d", true, [3, 4, 23, 3], 32, 8),
        new("resnext101_64x4d", true, [3, 4, 23, 3], 64, 4),
        new("wide_resnet50_2", true, [3, 4, 6, 3], 1, 128),
        new("wide_resnet101_2", true, [3, 4, 23, 3], 1, 128),
    ];

    /// <summary>Builds the zoo ResNet with the architecture of a state dict: block type, blocks per stage and classes.</summary>
    /// <param name="shapes">Each state-dict key with its tensor's shape.</param>
    /// <returns>A ResNet whose state dict has exactly these keys, or null if the keys are not a ResNet's.</returns>
    internal static ResNet? FromStateDictShapes(IReadOnlyDictionary<string, long[]> shapes)
    {
        if (!shapes.TryGetValue("fc.weight", out var fcShape) || fcShape.Length != 2)
        {
            return null;
        }

        var bottleneck = shapes.ContainsKey("layer1.0.conv3.weight");
        var layers = new int[4];
        for (int stage = 0; stage < 4; stage++)
        {
            while (shapes.ContainsKey($"layer{stage + 1}.{layers[stage]}.conv1.weight"))
            {
                layers[stage]++;
            }
        }

        // The first bottleneck's 3×3 convolution is width × (width / groups) × 3 × 3, width = baseWidth × groups.
        int groups = 1, widthPerGroup = 64;
        if (bottleneck && shapes.TryGetValue("layer1.0.conv2.weight", out var conv2) && conv2.Length == 4 && conv2[1] > 0)
        {
            groups = (int)(conv2[0] / conv2[1]);
            widthPerGroup = (int)conv2[1];
        }

        var known = Array.Find(Configurations, c => c.Bottleneck == bottleneck && c.Layers.SequenceEqual(layers) && c.Groups == groups && c.WidthPerGroup == widthPerGroup);
        return Array.IndexOf(layers, 0) >= 0
            ? null
            : new ResNet(known?.Name ?? (bottleneck ? "resnet" : "resnet-basic"), bottleneck, layers, (int)fcShape[0], groups, widthPerGroup);
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = maxpool.call(relu.call(bn1.call(conv1.call(input))));
        x = layer4.call(layer3.call(layer2.call(layer1.call(x))));
        return fc.call(avgpool.call(x).flatten(1)).MoveToOuterDisposeScope();
    }

    private static Sequential MakeLayer(bool bottleneck, ref int inPlanes, int planes, int blocks, int stride, int groups, int widthPerGroup)
    {
        var expansion = bottleneck ? Bottleneck.Expansion : BasicBlock.Expansion;
        Sequential? downsample = null;
        if (stride != 1 || inPlanes != planes * expansion)
        {
            downsample = nn.Sequential(nn.Conv2d(inPlanes, planes * expansion, 1, stride: stride, bias: false), nn.BatchNorm2d(planes * expansion));
        }

        var modules = new List<nn.Module<Tensor, Tensor>>();
        for (int i = 0; i < blocks; i++)
        {
            modules.Add(bottleneck
                ? new Bottleneck(inPlanes, planes, i == 0 ? stride : 1, i == 0 ? downsample : null, groups, widthPerGroup)
                : new BasicBlock(inPlanes, planes, i == 0 ? stride : 1, i == 0 ? downsample : null));
            inPlanes = planes * expansion;
        }

        return nn.Sequential(modules);
    }

    private sealed record Configuration(string Name, bool Bottleneck, int[] Layers, int Groups = 1, int WidthPerGroup = 64);

    /// <summary>torchvision's initialisation: Kaiming-normal (fan-out) convolutions, batch norm 1 and 0.</summary>
    private void Initialise()
    {
        using var noGrad = no_grad();
        foreach (var (_, module) in named_modules())
        {
            switch (module)
            {
                case Conv2d conv:
                    nn.init.kaiming_normal_(conv.weight, mode: nn.init.FanInOut.FanOut, nonlinearity: nn.init.NonlinearityType.ReLU);
                    break;
                case BatchNorm2d bn:
                    nn.init.constant_(bn.weight, Scalars.Of(1));
                    nn.init.constant_(bn.bias, Scalars.Of(0));
                    break;
            }
        }
    }
}
