using System;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CamSdk.Models;

/// <summary>
/// torchvision's GoogLeNet (Inception v1) with the module names of its <c>state_dict</c>, its auxiliary classifiers
/// included when asked (they never run: the model returns the main logits in training too). Every ReLU, functional
/// in torchvision, is a module here.
/// </summary>
[ClassHead]
public sealed partial class GoogLeNet : nn.Module<Tensor, Tensor>
{
    private readonly BasicConv2d conv1;
    private readonly MaxPool2d maxpool1;
    private readonly BasicConv2d conv2;
    private readonly BasicConv2d conv3;
    private readonly MaxPool2d maxpool2;
    private readonly GoogLeNetInception inception3a;
    private readonly GoogLeNetInception inception3b;
    private readonly MaxPool2d maxpool3;
    private readonly GoogLeNetInception inception4a;
    private readonly GoogLeNetInception inception4b;
    private readonly GoogLeNetInception inception4c;
    private readonly GoogLeNetInception inception4d;
    private readonly GoogLeNetInception inception4e;
    private readonly MaxPool2d maxpool4;
    private readonly GoogLeNetInception inception5a;
    private readonly GoogLeNetInception inception5b;
    private readonly InceptionAux? aux1;
    private readonly InceptionAux? aux2;
    private readonly AdaptiveAvgPool2d avgpool;
    private readonly Dropout dropout;
    private readonly Linear fc;
    private readonly bool _transformInput;

    private GoogLeNet(int numClasses, bool auxLogits, bool transformInput) : base("googlenet")
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(numClasses, 1);
        ClassCount = numClasses;
        _transformInput = transformInput;
        conv1 = new BasicConv2d(3, 64, 7, stride: 2, padding: 3);
        maxpool1 = nn.MaxPool2d(3, stride: 2, ceil_mode: true);
        conv2 = new BasicConv2d(64, 64, 1);
        conv3 = new BasicConv2d(64, 192, 3, padding: 1);
        maxpool2 = nn.MaxPool2d(3, stride: 2, ceil_mode: true);
        inception3a = new GoogLeNetInception(192, 64, 96, 128, 16, 32, 32);
        inception3b = new GoogLeNetInception(256, 128, 128, 192, 32, 96, 64);
        maxpool3 = nn.MaxPool2d(3, stride: 2, ceil_mode: true);
        inception4a = new GoogLeNetInception(480, 192, 96, 208, 16, 48, 64);
        inception4b = new GoogLeNetInception(512, 160, 112, 224, 24, 64, 64);
        inception4c = new GoogLeNetInception(512, 128, 128, 256, 24, 64, 64);
        inception4d = new GoogLeNetInception(512, 112, 144, 288, 32, 64, 64);
        inception4e = new GoogLeNetInception(528, 256, 160, 320, 32, 128, 128);
        maxpool4 = nn.MaxPool2d(2, stride: 2, ceil_mode: true);
        inception5a = new GoogLeNetInception(832, 256, 160, 320, 32, 128, 128);
        inception5b = new GoogLeNetInception(832, 384, 192, 384, 48, 128, 128);
        if (auxLogits)
        {
            aux1 = InceptionAux.GoogLeNet(512, numClasses);
            aux2 = InceptionAux.GoogLeNet(528, numClasses);
        }

        avgpool = nn.AdaptiveAvgPool2d(1);
        dropout = nn.Dropout(0.2);
        fc = nn.Linear(1024, numClasses);
        RegisterComponents();
        ZooLayers.InitialiseTruncated(this, _ => 0.01);
    }

    /// <summary>The last Inception block, <c>inception5b</c> (7×7 at 224×224): pytorch-grad-cam's choice.</summary>
    [ExplainLayer(IsDefault = true)]
    public nn.Module<Tensor, Tensor> Inception5b => inception5b;

    /// <summary>The architecture's torchvision name, <c>googlenet</c>.</summary>
    public string Architecture => "googlenet";

    /// <summary>The number of class scores the model returns.</summary>
    public int ClassCount { get; }

    /// <summary>The linear class head <c>fc</c>, applied to the globally average-pooled <c>inception5b</c>.</summary>
    public Linear Classifier => fc;

    /// <summary>GoogLeNet as torchvision builds it.</summary>
    /// <param name="numClasses">The number of classes; 1000 for ImageNet weights.</param>
    /// <param name="auxLogits">
    /// Whether the state dict holds the auxiliary classifiers <c>aux1</c> and <c>aux2</c>: torchvision's default, true, when
    /// built without weights; false for a model made from its ImageNet weights.
    /// </param>
    /// <param name="transformInput">
    /// torchvision's <c>transform_input</c>: re-normalise ImageNet-normalised input to the [-1, 1] range its ImageNet weights
    /// were trained on. torchvision sets it for a model made from those weights; false otherwise.
    /// </param>
    /// <returns>A new model in training mode; load weights with <see cref="ModelWeights"/>.</returns>
    public static GoogLeNet Create(int numClasses = 1000, bool auxLogits = true, bool transformInput = false) => new(numClasses, auxLogits, transformInput);

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = _transformInput ? ZooLayers.TransformInput(input) : input;
        x = maxpool2.call(conv3.call(conv2.call(maxpool1.call(conv1.call(x)))));
        x = maxpool3.call(inception3b.call(inception3a.call(x)));
        x = inception4e.call(inception4d.call(inception4c.call(inception4b.call(inception4a.call(x)))));
        x = inception5b.call(inception5a.call(maxpool4.call(x)));
        return fc.call(dropout.call(avgpool.call(x).flatten(1))).MoveToOuterDisposeScope();
    }
}
