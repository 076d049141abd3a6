using System;
using System.Collections.Generic;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CamSdk.Models;

/// <summary>
/// torchvision's MobileNet v2 with the module names of its <c>state_dict</c>. Its activations are ReLU6, so Guided
/// Backpropagation, defined for ReLUs, does not apply unless asked to treat ReLU6 as a ReLU.
/// </summary>
[ClassHead]
public sealed partial class MobileNetV2 : nn.Module<Tensor, Tensor>
{
    private readonly Sequential features;
    private readonly AdaptiveAvgPool2d avgpool;
    private readonly Sequential classifier;

    private MobileNetV2(int numClasses, double widthMultiplier) : base("mobilenet_v2")
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(numClasses, 1);
        ClassCount = numClasses;
        int[][] settings = [[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1], [6, 160, 3, 2], [6, 320, 1, 1]];
        var input = ZooLayers.MakeDivisible(32 * widthMultiplier);
        var last = ZooLayers.MakeDivisible(1280 * Math.Max(1.0, widthMultiplier));
        var layers = new List<nn.Module<Tensor, Tensor>> { ZooLayers.ConvNormActivation(3, input, 3, stride: 2, activation: Relu6) };
        foreach (var setting in settings)
        {
            var (expansion, output, repeats, firstStride) = (setting[0], ZooLayers.MakeDivisible(setting[1] * widthMultiplier), setting[2], setting[3]);
            for (int i = 0; i < repeats; i++)
            {
                var stride = i == 0 ? firstStride : 1;
                var hidden = (int)Math.Round(input * (double)expansion, MidpointRounding.ToEven);
                var body = new List<nn.Module<Tensor, Tensor>>();
                if (expansion != 1)
                {
                    body.Add(ZooLayers.ConvNormActivation(input, hidden, 1, activation: Relu6));
                }

                body.Add(ZooLayers.ConvNormActivation(hidden, hidden, 3, stride: stride, groups: hidden, activation: Relu6));
                body.Add(nn.Conv2d(hidden, output, 1, bias: false));
                body.Add(nn.BatchNorm2d(output));
                layers.Add(new InvertedResidual("conv", nn.Sequential(body), stride == 1 && input == output));
                input = output;
            }
        }

        layers.Add(ZooLayers.ConvNormActivation(input, last, 1, activation: Relu6));
        features = nn.Sequential(layers);
        avgpool = nn.AdaptiveAvgPool2d(1);
        classifier = nn.Sequential(nn.Dropout(0.2), nn.Linear(last, numClasses));
        RegisterComponents();
        ZooLayers.Initialise(this);
    }

    /// <summary>The convolutional part, <c>features</c>, ending with its last 1×1 convolution (7×7 at 224×224): pytorch-grad-cam's choice (<c>model.features[-1]</c>).</summary>
    [ExplainLayer(IsDefault = true)]
    public Sequential Features => features;

    /// <summary>The architecture's torchvision name, <c>mobilenet_v2</c>.</summary>
    public string Architecture => "mobilenet_v2";

    /// <summary>The number of class scores the model returns.</summary>
    public int ClassCount { get; }

    /// <summary>MobileNet v2 as torchvision builds it.</summary>
    /// <param name="numClasses">The number of classes; 1000 for ImageNet weights.</param>
    /// <param name="widthMultiplier">torchvision's <c>width_mult</c>: 1.0 for its weights.</param>
    /// <returns>A new model in training mode; load weights with <see cref="ModelWeights"/>.</returns>
    public static MobileNetV2 Create(int numClasses = 1000, double widthMultiplier = 1.0) => new(numClasses, widthMultiplier);

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = avgpool.call(features.call(input)).flatten(1);
        return classifier.call(x).MoveToOuterDisposeScope();
    }

    private static nn.Module<Tensor, Tensor> Relu6() => nn.ReLU6();
}
