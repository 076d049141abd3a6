using System;
using System.Collections.Generic;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CamSdk.Models;

/// <summary>
/// torchvision's MobileNet v3, small and large, with the module names of its <c>state_dict</c>. Its activations are
/// Hardswish and ReLU, so Guided Backpropagation, defined for ReLUs, does not apply.
/// </summary>
[ClassHead]
public sealed partial class MobileNetV3 : nn.Module<Tensor, Tensor>
{
    // torchvision's bneck_conf rows: input, kernel, expanded, output, squeeze-excitation, Hardswish, stride.
    private static readonly (int In, int Kernel, int Expanded, int Out, bool Se, bool Hardswish, int Stride)[] Large =
    [
        (16, 3, 16, 16, false, false, 1), (16, 3, 64, 24, false, false, 2), (24, 3, 72, 24, false, false, 1),
        (24, 5, 72, 40, true, false, 2), (40, 5, 120, 40, true, false, 1), (40, 5, 120, 40, true, false, 1),
        (40, 3, 240, 80, false, true, 2), (80, 3, 200, 80, false, true, 1), (80, 3, 184, 80, false, true, 1),
        (80, 3, 184, 80, false, true, 1), (80, 3, 480, 112, true, true, 1), (112, 3, 672, 112, true, true, 1),
        (112, 5, 672, 160, true, true, 2), (160, 5, 960, 160, true, true, 1), (160, 5, 960, 160, true, true, 1),
    ];

    private static readonly (int In, int Kernel, int Expanded, int Out, bool Se, bool Hardswish, int Stride)[] Small =
    [
        (16, 3, 16, 16, true, false, 2), (16, 3, 72, 24, false, false, 2), (24, 3, 88, 24, false, false, 1),
        (24, 5, 96, 40, true, true, 2), (40, 5, 240, 40, true, true, 1), (40, 5, 240, 40, true, true, 1),
        (40, 5, 120, 48, true, true, 1), (48, 5, 144, 48, true, true, 1), (48, 5, 288, 96, true, true, 2),
        (96, 5, 576, 96, true, true, 1), (96, 5, 576, 96, true, true, 1),
    ];

    private readonly Sequential features;
    private readonly AdaptiveAvgPool2d avgpool;
    private readonly Sequential classifier;

    private MobileNetV3(string name, int numClasses) : base(name)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(numClasses, 1);
        Architecture = name;
        ClassCount = numClasses;
        var large = name == "mobilenet_v3_large";
        var settings = large ? Large : Small;
        var lastChannel = large ? 1280 : 1024;
        const double Eps = 0.001, Momentum = 0.01;

        var layers = new List<nn.Module<Tensor, Tensor>>
        {
            ZooLayers.ConvNormActivation(3, settings[0].In, 3, stride: 2, activation: Hardswish, eps: Eps, momentum: Momentum),
        };
        foreach (var s in settings)
        {
            Func<nn.Module<Tensor, Tensor>> activation = s.Hardswish ? Hardswish : Relu;
            var body = new List<nn.Module<Tensor, Tensor>>();
            if (s.Expanded != s.In)
            {
                body.Add(ZooLayers.ConvNormActivation(s.In, s.Expanded, 1, activation: activation, eps: Eps, momentum: Momentum));
            }

            body.Add(ZooLayers.ConvNormActivation(s.Expanded, s.Expanded, s.Kernel, stride: s.Stride, groups: s.Expanded, activation: activation, eps: Eps, momentum: Momentum));
            if (s.Se)
            {
                body.Add(new SqueezeExcitation(s.Expanded, ZooLayers.MakeDivisible(s.Expanded / 4), Relu, () => nn.Hardsigmoid()));
            }

            body.Add(ZooLayers.ConvNormActivation(s.Expanded, s.Out, 1, eps: Eps, momentum: Momentum));
            layers.Add(new InvertedResidual("block", nn.Sequential(body), s.Stride == 1 && s.In == s.Out));
        }

        var lastConvolution = 6 * settings[^1].Out;
        layers.Add(ZooLayers.ConvNormActivation(settings[^1].Out, lastConvolution, 1, activation: Hardswish, eps: Eps, momentum: Momentum));
        features = nn.Sequential(layers);
        avgpool = nn.AdaptiveAvgPool2d(1);
        classifier = nn.Sequential(nn.Linear(lastConvolution, lastChannel), nn.Hardswish(), nn.Dropout(0.2), nn.Linear(lastChannel, numClasses));
        RegisterComponents();
        ZooLayers.Initialise(this);
    }

    /// <summary>The convolutional part, <c>features</c>, ending with its last 1×1 convolution (7×7 at 224×224): pytorch-grad-cam's choice (<c>model.features[-1]</c>).</summary>
    [ExplainLayer(IsDefault = true)]
    public Sequential Features => features;

    /// <summary>The architecture's torchvision name, <c>mobilenet_v3_small</c> or <c>mobilenet_v3_large</c>.</summary>
    public string Architecture { get; }

    /// <summary>The number of class scores the model returns.</summary>
    public int ClassCount { get; }

    /// <summary>MobileNet v3 small or large as torchvision builds it (width 1.0, full tail, no dilation: the configuration of its weights).</summary>
    /// <param name="architecture"><c>mobilenet_v3_small</c> or <c>mobilenet_v3_large</c>.</param>
    /// <param name="numClasses">The number of classes; 1000 for ImageNet weights.</param>
    /// <returns>A new model in training mode; load weights with <see cref="ModelWeights"/>.</returns>
    public static MobileNetV3 Create(string architecture = "mobilenet_v3_large", int numClasses = 1000) =>
        architecture is "mobilenet_v3_small" or "mobilenet_v3_large"
            ? new(architecture, numClasses)
            : throw new ArgumentOutOfRangeException(nameof(architecture), architecture, "MobileNet v3 comes as mobilenet_v3_small and mobilenet_v3_large.");

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = avgpool.call(features.call(input)).flatten(1);
        return classifier.call(x).MoveToOuterDisposeScope();
    }

    private static nn.Module<Tensor, Tensor> Hardswish() => nn.Hardswish();

    private static nn.Module<Tensor, Tensor> Relu() => nn.ReLU();
}
