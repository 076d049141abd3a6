using System;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CamSdk.Models;

/// <summary>
/// torchvision's SqueezeNet 1.0 and 1.1 with the module names of its <c>state_dict</c>. The class scores are a 1×1
/// convolution, rectified and averaged (<c>classifier</c>), so the network has no linear head. Every ReLU is a module.
/// </summary>
[ClassHead]
public sealed partial class SqueezeNet : nn.Module<Tensor, Tensor>
{
    private readonly Sequential features;
    private readonly Sequential classifier;

    private SqueezeNet(string version, int numClasses) : base("squeezenet" + version)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(numClasses, 1);
        Architecture = GetName();
        ClassCount = numClasses;
        features = version == "1_0"
            ? nn.Sequential(
                nn.Conv2d(3, 96, 7, stride: 2), nn.ReLU(), Pool(),
                new FireModule(96, 16, 64, 64), new FireModule(128, 16, 64, 64), new FireModule(128, 32, 128, 128), Pool(),
                new FireModule(256, 32, 128, 128), new FireModule(256, 48, 192, 192), new FireModule(384, 48, 192, 192),
                new FireModule(384, 64, 256, 256), Pool(),
                new FireModule(512, 64, 256, 256))
            : nn.Sequential(
                nn.Conv2d(3, 64, 3, stride: 2), nn.ReLU(), Pool(),
                new FireModule(64, 16, 64, 64), new FireModule(128, 16, 64, 64), Pool(),
                new FireModule(128, 32, 128, 128), new FireModule(256, 32, 128, 128), Pool(),
                new FireModule(256, 48, 192, 192), new FireModule(384, 48, 192, 192),
                new FireModule(384, 64, 256, 256), new FireModule(512, 64, 256, 256));
        var finalConv = nn.Conv2d(512, numClasses, 1);
        classifier = nn.Sequential(nn.Dropout(0.5), finalConv, nn.ReLU(), nn.AdaptiveAvgPool2d(1));
        RegisterComponents();
        using var noGrad = no_grad();
        foreach (var (_, module) in named_modules())
        {
            if (module is Conv2d conv)
            {
                if (ReferenceEquals(conv, finalConv))
                {
                    nn.init.normal_(conv.weight, 0, 0.01);
                }
                else
                {
                    nn.init.kaiming_uniform_(conv.weight);
                }

                nn.init.zeros_(conv.bias);
            }
        }
    }

    /// <summary>The last Fire module's output, <c>features</c> (13×13 at 224×224 for 1.1, 13×13 for 1.0): pytorch-grad-cam's choice of <c>model.features</c>.</summary>
    [ExplainLayer(IsDefault = true)]
    public Sequential Features => features;

    /// <summary>The architecture's torchvision name, <c>squeezenet1_0</c> or <c>squeezenet1_1</c>.</summary>
    public string Architecture { get; }

    /// <summary>The number of class scores the model returns.</summary>
    public int ClassCount { get; }

    /// <summary>SqueezeNet 1.0 (<paramref name="version"/> "1_0") or 1.1 ("1_1"), with torchvision's initialisation.</summary>
    /// <param name="version">"1_0" or "1_1", as torchvision names them.</param>
    /// <param name="numClasses">The number of classes; 1000 for ImageNet weights.</param>
    /// <returns>A new model in training mode; load weights with <see cref="ModelWeights"/>.</returns>
    public static SqueezeNet Create(string version = "1_1", int numClasses = 1000) =>
        version is "1_0" or "1_1"
            ? new(version, numClasses)
            : throw new ArgumentOutOfRangeException(nameof(version), version, "SqueezeNet comes in versions 1_0 and 1_1.");

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        return classifier.call(features.call(input)).flatten(1).MoveToOuterDisposeScope();
    }

    private static MaxPool2d Pool() => nn.MaxPool2d(3, stride: 2, ceil_mode: true);
}
