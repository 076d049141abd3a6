using System;
using System.Collections.Generic;
using CamSdk.Internal;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CamSdk.Models;

/// <summary>
/// torchvision's VGG-16 (configuration D, without batch norm) with the module names of its <c>state_dict</c>
/// (<c>features.0.weight</c> … <c>classifier.6.bias</c>), so that PyTorch weights load by name. Every ReLU is a module.
/// </summary>
[ClassHead]
public sealed partial class Vgg : nn.Module<Tensor, Tensor>
{
    private static readonly int[] Configuration16 = [64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0];

    private readonly Sequential features;
    private readonly AdaptiveAvgPool2d avgpool;
    private readonly Sequential classifier;

    private Vgg(string name, IReadOnlyList<int> configuration, int numClasses) : base(name)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(numClasses, 1);
        Architecture = name;
        ClassCount = numClasses;
        var layers = new List<nn.Module<Tensor, Tensor>>();
        var channels = 3;
        foreach (var width in configuration)
        {
            if (width == 0)
            {
                layers.Add(nn.MaxPool2d(2, stride: 2));
            }
            else
            {
                layers.Add(nn.Conv2d(channels, width, 3, padding: 1));
                layers.Add(nn.ReLU());
                channels = width;
            }
        }

        features = nn.Sequential(layers);
        avgpool = nn.AdaptiveAvgPool2d([7, 7]);
        classifier = nn.Sequential(
            nn.Linear(512 * 7 * 7, 4096), nn.ReLU(), nn.Dropout(0.5),
            nn.Linear(4096, 4096), nn.ReLU(), nn.Dropout(0.5),
            nn.Linear(4096, numClasses));
        RegisterComponents();
        Initialise();
    }

    /// <summary>
    /// The rectified output of the last convolution (conv5_3 and its ReLU, <c>features.29</c>; 14×14 at 224×224):
    /// the layer the Grad-CAM paper explains for VGG-16.
    /// </summary>
    [ExplainLayer(IsDefault = true)]
    public nn.Module<Tensor, Tensor> LastConvolution => (nn.Module<Tensor, Tensor>)features[29];

    /// <summary>The whole convolutional part, <c>features</c>, ending with the last max pooling (7×7 at 224×224), as pytorch-grad-cam's examples explain VGG.</summary>
    [ExplainLayer]
    public Sequential Features => features;

    /// <summary>The architecture's torchvision name, <c>vgg16</c>.</summary>
    public string Architecture { get; }

    /// <summary>The number of class scores the model returns.</summary>
    public int ClassCount { get; }

    /// <summary>VGG-16 with torchvision's initialisation.</summary>
    /// <param name="numClasses">The number of classes; 1000 for ImageNet weights.</param>
    /// <returns>A new model in training mode; load weights with <see cref="ModelWeights"/>.</returns>
    public static Vgg Vgg16(int numClasses = 1000) => new("vgg16", Configuration16, numClasses);

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = avgpool.call(features.call(input)).flatten(1);
        return classifier.call(x).MoveToOuterDisposeScope();
    }

    /// <summary>torchvision's initialisation: Kaiming-normal (fan-out) convolutions, N(0, 0.01) linear layers, zero biases.</summary>
    private void Initialise()
    {
        using var noGrad = no_grad();
        foreach (var (_, module) in named_modules())
        {
            switch (module)
            {
                case Conv2d conv:
                    nn.init.kaiming_normal_(conv.weight, mode: nn.init.FanInOut.FanOut, nonlinearity: nn.init.NonlinearityType.ReLU);
                    nn.init.constant_(conv.bias, Scalars.Of(0));
                    break;
                case Linear linear:
                    nn.init.normal_(linear.weight, 0, 0.01);
                    nn.init.constant_(linear.bias, Scalars.Of(0));
                    break;
            }
        }
    }
}
