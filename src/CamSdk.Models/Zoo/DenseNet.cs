using System;
using System.Linq;
using CamSdk.Internal;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CamSdk.Models;

/// <summary>
/// torchvision's DenseNet-BC (121, 161, 169, 201) with the module names of its <c>state_dict</c>. torchvision applies
/// the last ReLU functionally (<c>F.relu(features)</c>); here it is a module, so Guided Backpropagation guides it.
/// </summary>
[ClassHead]
public sealed partial class DenseNet : nn.Module<Tensor, Tensor>
{
    // torchvision's builders: growth rate, layers per block, initial features.
    private static readonly (string Name, int Growth, int[] Blocks, int InitialFeatures)[] Configurations =
    [
        ("densenet121", 32, [6, 12, 24, 16], 64),
        ("densenet161", 48, [6, 12, 36, 24], 96),
        ("densenet169", 32, [6, 12, 32, 32], 64),
        ("densenet201", 32, [6, 12, 48, 32], 64),
    ];

    private readonly Sequential features;
    private readonly ReLU relu;
    private readonly AdaptiveAvgPool2d avgpool;
    private readonly Linear classifier;

    private DenseNet(string name, int growthRate, int[] blocks, int initialFeatures, int numClasses) : base(name)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(numClasses, 1);
        Architecture = name;
        ClassCount = numClasses;
        const int BottleneckSize = 4;
        features = nn.Sequential(
            ("conv0", nn.Conv2d(3, initialFeatures, 7, stride: 2, padding: 3, bias: false)),
            ("norm0", nn.BatchNorm2d(initialFeatures)),
            ("relu0", nn.ReLU()),
            ("pool0", nn.MaxPool2d(3, stride: 2, padding: 1)));
        long channels = initialFeatures;
        for (int i = 0; i < blocks.Length; i++)
        {
            features.append($"denseblock{i + 1}", new DenseBlock(blocks[i], channels, BottleneckSize, growthRate));
            channels += blocks[i] * growthRate;
            if (i != blocks.Length - 1)
            {
                features.append($"transition{i + 1}", nn.Sequential(
                    ("norm", nn.BatchNorm2d(channels)),
                    ("relu", nn.ReLU()),
                    ("conv", nn.Conv2d(channels, channels / 2, 1, bias: false)),
                    ("pool", nn.AvgPool2d(2, stride: 2))));
                channels /= 2;
            }
        }

        features.append("norm5", nn.BatchNorm2d(channels));
        relu = nn.ReLU();
        avgpool = nn.AdaptiveAvgPool2d(1);
        classifier = nn.Linear(channels, numClasses);
        RegisterComponents();

        using var noGrad = no_grad();
        foreach (var (_, module) in named_modules())
        {
            switch (module)
            {
                case Conv2d conv:
                    nn.init.kaiming_normal_(conv.weight);
                    break;
                case BatchNorm2d bn:
                    nn.init.constant_(bn.weight, Scalars.Of(1));
                    nn.init.constant_(bn.bias, Scalars.Of(0));
                    break;
                case Linear linear:
                    nn.init.constant_(linear.bias, Scalars.Of(0));
                    break;
            }
        }
    }

    /// <summary>
    /// The convolutional part, <c>features</c>, ending with the batch norm <c>norm5</c> (7×7 at 224×224): pytorch-grad-cam's
    /// choice (<c>model.features[-1]</c>).
    /// </summary>
    [ExplainLayer(IsDefault = true)]
    public Sequential Features => features;

    /// <summary>The architecture's torchvision name, e.g. <c>densenet121</c>.</summary>
    public string Architecture { get; }

    /// <summary>The number of class scores the model returns.</summary>
    public int ClassCount { get; }

    /// <summary>The linear class head <c>classifier</c>, applied to the rectified, globally average-pooled features.</summary>
    public Linear Classifier => classifier;

    /// <summary>The torchvision names of the family.</summary>
    internal static string[] Names => [.. Configurations.Select(c => c.Name)];

    /// <summary>A DenseNet by its torchvision name (<c>densenet121</c>, <c>densenet161</c>, <c>densenet169</c>, <c>densenet201</c>), with torchvision's initialisation.</summary>
    /// <param name="architecture">The torchvision name.</param>
    /// <param name="numClasses">The number of classes; 1000 for ImageNet weights.</param>
    /// <returns>A new model in training mode; load weights with <see cref="ModelWeights"/>.</returns>
    public static DenseNet Create(string architecture, int numClasses = 1000)
    {
        var c = Array.Find(Configurations, c => c.Name == architecture);
        return c.Name is null
            ? throw new ArgumentOutOfRangeException(nameof(architecture), architecture, "Not one of torchvision's DenseNets: " + string.Join(", ", Names) + ".")
            : new(c.Name, c.Growth, c.Blocks, c.InitialFeatures, numClasses);
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = avgpool.call(relu.call(features.call(input))).flatten(1);
        return classifier.call(x).MoveToOuterDisposeScope();
    }
}
