using System;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CamSdk.Models;

/// <summary>
/// torchvision's Inception v3 with the module names of its <c>state_dict</c>, its auxiliary classifier <c>AuxLogits</c>
/// included when asked (it never runs: the model returns the main logits in training too). Every ReLU, functional in
/// torchvision, is a module here. torchvision's weights expect 299×299 input.
/// </summary>
[ClassHead]
public sealed partial class InceptionV3 : nn.Module<Tensor, Tensor>
{
    private readonly BasicConv2d Conv2d_1a_3x3;
    private readonly BasicConv2d Conv2d_2a_3x3;
    private readonly BasicConv2d Conv2d_2b_3x3;
    private readonly MaxPool2d maxpool1;
    private readonly BasicConv2d Conv2d_3b_1x1;
    private readonly BasicConv2d Conv2d_4a_3x3;
    private readonly MaxPool2d maxpool2;
    private readonly InceptionV3Block Mixed_5b;
    private readonly InceptionV3Block Mixed_5c;
    private readonly InceptionV3Block Mixed_5d;
    private readonly InceptionV3Block Mixed_6a;
    private readonly InceptionV3Block Mixed_6b;
    private readonly InceptionV3Block Mixed_6c;
    private readonly InceptionV3Block Mixed_6d;
    private readonly InceptionV3Block Mixed_6e;
    private readonly InceptionAux? AuxLogits;
    private readonly InceptionV3Block Mixed_7a;
    private readonly InceptionV3Block Mixed_7b;
    private readonly InceptionV3Block Mixed_7c;
    private readonly AdaptiveAvgPool2d avgpool;
    private readonly Dropout dropout;
    private readonly Linear fc;
    private readonly bool _transformInput;

    private InceptionV3(int numClasses, bool auxLogits, bool transformInput) : base("inception_v3")
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(numClasses, 1);
        ClassCount = numClasses;
        _transformInput = transformInput;
        Conv2d_1a_3x3 = new BasicConv2d(3, 32, 3, stride: 2);
        Conv2d_2a_3x3 = new BasicConv2d(32, 32, 3);
        Conv2d_2b_3x3 = new BasicConv2d(32, 64, 3, padding: 1);
        maxpool1 = nn.MaxPool2d(3, stride: 2);
        Conv2d_3b_1x1 = new BasicConv2d(64, 80, 1);
        Conv2d_4a_3x3 = new BasicConv2d(80, 192, 3);
        maxpool2 = nn.MaxPool2d(3, stride: 2);
        Mixed_5b = InceptionV3Block.A(192, 32);
        Mixed_5c = InceptionV3Block.A(256, 64);
        Mixed_5d = InceptionV3Block.A(288, 64);
        Mixed_6a = InceptionV3Block.B(288);
        Mixed_6b = InceptionV3Block.C(768, 128);
        Mixed_6c = InceptionV3Block.C(768, 160);
        Mixed_6d = InceptionV3Block.C(768, 160);
        Mixed_6e = InceptionV3Block.C(768, 192);
        if (auxLogits)
        {
            AuxLogits = InceptionAux.InceptionV3(768, numClasses);
        }

        Mixed_7a = InceptionV3Block.D(768);
        Mixed_7b = InceptionV3Block.E(1280);
        Mixed_7c = InceptionV3Block.E(2048);
        avgpool = nn.AdaptiveAvgPool2d(1);
        dropout = nn.Dropout(0.5);
        fc = nn.Linear(2048, numClasses);
        RegisterComponents();

        // torchvision: truncated normal, std 0.1 (0.01 for the auxiliary 5×5 convolution, 0.001 for its linear layer).
        ZooLayers.InitialiseTruncated(this, name => name.StartsWith("AuxLogits.conv1", StringComparison.Ordinal) ? 0.01 : name == "AuxLogits.fc" ? 0.001 : 0.1);
    }

    /// <summary>The last Inception block, <c>Mixed_7c</c> (8×8 at 299×299): pytorch-grad-cam's choice.</summary>
    [ExplainLayer(IsDefault = true)]
    public nn.Module<Tensor, Tensor> Mixed7c => Mixed_7c;

    /// <summary>The architecture's torchvision name, <c>inception_v3</c>.</summary>
    public string Architecture => "inception_v3";

    /// <summary>The number of class scores the model returns.</summary>
    public int ClassCount { get; }

    /// <summary>The linear class head <c>fc</c>, applied to the globally average-pooled <c>Mixed_7c</c>.</summary>
    public Linear Classifier => fc;

    /// <summary>Inception v3 as torchvision builds it.</summary>
    /// <param name="numClasses">The number of classes; 1000 for ImageNet weights.</param>
    /// <param name="auxLogits">
    /// Whether the state dict holds the auxiliary classifier <c>AuxLogits</c>: torchvision's default, true (its ImageNet
    /// weights have it too).
    /// </param>
    /// <param name="transformInput">
    /// torchvision's <c>transform_input</c>: re-normalise ImageNet-normalised input to the [-1, 1] range its ImageNet weights
    /// were trained on. torchvision sets it for a model made from those weights; false otherwise.
    /// </param>
    /// <returns>A new model in training mode; load weights with <see cref="ModelWeights"/>.</returns>
    public static InceptionV3 Create(int numClasses = 1000, bool auxLogits = true, bool transformInput = false) => new(numClasses, auxLogits, transformInput);

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = _transformInput ? ZooLayers.TransformInput(input) : input;
        x = maxpool1.call(Conv2d_2b_3x3.call(Conv2d_2a_3x3.call(Conv2d_1a_3x3.call(x))));
        x = maxpool2.call(Conv2d_4a_3x3.call(Conv2d_3b_1x1.call(x)));
        x = Mixed_5d.call(Mixed_5c.call(Mixed_5b.call(x)));
        x = Mixed_6e.call(Mixed_6d.call(Mixed_6c.call(Mixed_6b.call(Mixed_6a.call(x)))));
        x = Mixed_7c.call(Mixed_7b.call(Mixed_7a.call(x)));
        return fc.call(dropout.call(avgpool.call(x)).flatten(1)).MoveToOuterDisposeScope();
    }
}
