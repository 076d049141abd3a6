using System;
using System.Collections.Generic;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CamSdk.Models;

/// <summary>
/// torchvision's VGG (configurations A, B, D, E: VGG-11, 13, 16, 19, each with or without batch norm) with the module
/// names of its <c>state_dict</c> (<c>features.0.weight</c> … <c>classifier.6.bias</c>), so that PyTorch weights load
/// by name. Every ReLU is a module.
/// </summary>
[ClassHead]
public sealed partial class Vgg : nn.Module<Tensor, Tensor>
{
    // torchvision's cfgs; 0 is a max pooling ("M").
    private static readonly Dictionary<int, int[]> Configurations = new()
    {
        [11] = [64, 0, 128, 0, 256, 256, 0, 512, 512, 0, 512, 512, 0],
        [13] = [64, 64, 0, 128, 128, 0, 256, 256, 0, 512, 512, 0, 512, 512, 0],
        [16] = [64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0],
        [19] = [64, 64, 0, 128, 128, 0, 256, 256, 256, 256, 0, 512, 512, 512, 512, 0, 512, 512, 512, 512, 0],
    };

    private readonly Sequential features;
    private readonly AdaptiveAvgPool2d avgpool;
    private readonly Sequential classifier;

    private Vgg(int depth, bool batchNorm, int numClasses) : base($"vgg{depth}{(batchNorm ? "_bn" : string.Empty)}")
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(numClasses, 1);
        Architecture = GetName();
        ClassCount = numClasses;
        var layers = new List<nn.Module<Tensor, Tensor>>();
        var channels = 3;
        foreach (var width in Configurations[depth])
        {
            if (width == 0)
            {
                layers.Add(nn.MaxPool2d(2, stride: 2));
                continue;
            }

            layers.Add(nn.Conv2d(channels, width, 3, padding: 1));
            if (batchNorm)
            {
                layers.Add(nn.BatchNorm2d(width));
            }

            layers.Add(nn.ReLU());
            channels = width;
        }

        features = nn.Sequential(layers);
        LastConvolution = layers[^2];
        avgpool = nn.AdaptiveAvgPool2d([7, 7]);
        classifier = nn.Sequential(
            nn.Linear(512 * 7 * 7, 4096), nn.ReLU(), nn.Dropout(0.5),
            nn.Linear(4096, 4096), nn.ReLU(), nn.Dropout(0.5),
            nn.Linear(4096, numClasses));
        RegisterComponents();
        ZooLayers.Initialise(this);
    }

    /// <summary>
    /// The whole convolutional part, <c>features</c>, ending with the last max pooling (7×7 at 224×224): the layer
    /// pytorch-grad-cam's README explains for VGG (<c>model.features[-1]</c> is that pooling, which passes the
    /// gradients of the rectified last convolution at its maxima).
    /// </summary>
    [ExplainLayer(IsDefault = true)]
    public Sequential Features => features;

    /// <summary>
    /// The rectified output of the last convolution (conv5_3 and its ReLU for VGG-16, <c>features.29</c>; 14×14 at
    /// 224×224): the layer the Grad-CAM paper explains for VGG-16.
    /// </summary>
    [ExplainLayer]
    public nn.Module<Tensor, Tensor> LastConvolution { get; }

    /// <summary>The architecture's torchvision name, e.g. <c>vgg16</c> or <c>vgg16_bn</c>.</summary>
    public string Architecture { get; }

    /// <summary>The number of class scores the model returns.</summary>
    public int ClassCount { get; }

    /// <summary>VGG-11, 13, 16 or 19 (torchvision's configurations A, B, D, E), with torchvision's initialisation.</summary>
    /// <param name="depth">11, 13, 16 or 19.</param>
    /// <param name="batchNorm">True for the <c>_bn</c> variants: a batch norm after every convolution.</param>
    /// <param name="numClasses">The number of classes; 1000 for ImageNet weights.</param>
    /// <returns>A new model in training mode; load weights with <see cref="ModelWeights"/>.</returns>
    public static Vgg Create(int depth, bool batchNorm = false, int numClasses = 1000) =>
        Configurations.ContainsKey(depth)
            ? new(depth, batchNorm, numClasses)
            : throw new ArgumentOutOfRangeException(nameof(depth), depth, "VGG comes in depths 11, 13, 16 and 19.");

    /// <summary>VGG-16 (configuration D, without batch norm), with torchvision's initialisation.</summary>
    /// <param name="numClasses">The number of classes; 1000 for ImageNet weights.</param>
    /// <returns>A new model in training mode; load weights with <see cref="ModelWeights"/>.</returns>
    public static Vgg Vgg16(int numClasses = 1000) => Create(16, batchNorm: false, numClasses);

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = avgpool.call(features.call(input)).flatten(1);
        return classifier.call(x).MoveToOuterDisposeScope();
    }
}
