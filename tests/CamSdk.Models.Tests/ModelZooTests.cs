using CamSdk.Guided;
using CamSdk.Internal;
using CamSdk.Models;
using CamSdk.Targets;
using CamSdk.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace CamSdk.Tests;

public sealed class ModelZooTests
{
    /// <summary>
    /// The zoo against TorchSharp's own TorchVision models (torchvision's keys and shapes: TorchvisionReferenceTests).
    /// The ResNets; VGG-16 (138 million parameters, ten seconds to build twice) runs in the slow set.
    /// </summary>
    public static TheoryData<string> Architectures => ["resnet18", "resnet34", "resnet50"];

    private static nn.Module<Tensor, Tensor> Zoo(string architecture) => architecture switch
    {
        "resnet18" => ResNet.ResNet18(),
        "resnet34" => ResNet.ResNet34(),
        "resnet50" => ResNet.ResNet50(),
        _ => Vgg.Vgg16(),
    };

    private static nn.Module<Tensor, Tensor> TorchVision(string architecture) => architecture switch
    {
        "resnet18" => torchvision.models.resnet18(),
        "resnet34" => torchvision.models.resnet34(),
        "resnet50" => torchvision.models.resnet50(),
        _ => torchvision.models.vgg16(),
    };

    [Theory]
    [MemberData(nameof(Architectures))]
    public void ComputesWhatTorchVisionComputesWithTheSameWeights(string architecture) => AssertComputesWhatTorchVisionComputes(architecture);

    [Trait("Speed", "Slow")]
    [Fact]
    public void Vgg16ComputesWhatTorchVisionComputes() => AssertComputesWhatTorchVisionComputes("vgg16");

    private static void AssertComputesWhatTorchVisionComputes(string architecture)
    {
        manual_seed(71);
        using var scope = NewDisposeScope();
        var reference = TorchVision(architecture);
        var zoo = Zoo(architecture);
        Tensors.CopyStateDict(reference, zoo);

        reference.eval();
        zoo.eval();
        var input = randn(2, 3, 64, 64);
        using var noGrad = no_grad();
        var expected = reference.call(input);
        var actual = zoo.call(input);
        Assert.True(expected.abs().max().item<float>() > 1e-3, "the logits must not be trivially zero");
        Assert.True(Tensors.MaxAbsDifference(expected, actual) < 1e-5);
    }

    [Fact]
    public void EveryReluApplicationOfTheZooResNetIsGuided()
    {
        // resnet18: the stem's ReLU, then 8 basic blocks × 2 applications of each block's one ReLU module.
        manual_seed(73);
        var model = ResNet.ResNet18(numClasses: 10);
        model.eval();
        using var input = randn(1, 3, 64, 64);
        using var guide = ReluGuide.Attach(model);
        using var output = model.call(input);
        Assert.Equal(17, guide.Applications);
    }

    [Fact]
    public void GuidedBackpropagationOfATorchVisionResNetRunsOnItsZooTwin()
    {
        manual_seed(79);
        var reference = torchvision.models.resnet18(num_classes: 10);
        var zoo = ResNet.ResNet18(numClasses: 10);
        Tensors.CopyStateDict(reference, zoo);

        using var input = randn(2, 3, 64, 64);
        using var viaTwin = new GuidedBackpropagation(reference).Explain(input, CamTarget.Classes([3, 8]));
        using var direct = new GuidedBackpropagation(zoo).Explain(input, CamTarget.Classes([3, 8]));
        Assert.True(direct.Gradients.abs().max().item<float>() > 0);
        Assert.Equal(0, Tensors.MaxAbsDifference(viaTwin.Gradients, direct.Gradients));
        Assert.Equal(0, Hooks.Count(reference));
        Assert.True(reference.training, "the TorchVision model is left as it was found");

        // The twin follows the model's weights: change them and the guided gradients follow.
        using (no_grad())
        {
            foreach (var p in reference.parameters())
            {
                p.mul_(Scalars.Of(1.5));
            }
        }

        using var changed = new GuidedBackpropagation(reference).Explain(input, CamTarget.Classes([3, 8]));
        Assert.True(Tensors.MaxAbsDifference(changed.Gradients, viaTwin.Gradients) > 1e-6);
    }

    [Fact]
    public void ZooResNetExplainsAtLayer4LikeTorchVision()
    {
        manual_seed(83);
        var reference = torchvision.models.resnet18(num_classes: 10);
        var zoo = ResNet.ResNet18(numClasses: 10);
        Tensors.CopyStateDict(reference, zoo);

        var layer4 = (nn.Module<Tensor, Tensor>)reference.named_children().Single(c => c.name == "layer4").module;
        using var input = randn(1, 3, 96, 96);
        var nonTrivial = 0;
        for (int c = 0; c < 10; c++)
        {
            using var expected = new CamExplainer(reference, layer4).Explain(input, c);
            using var actual = new CamExplainer(zoo, zoo.Layer4).Explain(input, c);
            Assert.True(Tensors.MaxAbsDifference(expected.RawMaps, actual.RawMaps) < 1e-5);
            nonTrivial += expected.RawMaps.max().item<float>() > 0 ? 1 : 0;
        }

        Assert.True(nonTrivial > 0, "some class must have a non-zero map");
    }

    [Fact]
    public void VisionTransformerExplainsItsPatchGridAtTheDefaultLayer()
    {
        // vit_b_32 at 224×224: 7×7 patches and a class token; the default layer's tokens are laid out on the grid.
        manual_seed(89);
        var vit = VisionTransformer.Create("vit_b_32", numClasses: 4);
        vit.eval();
        using var input = randn(1, 3, 224, 224);
        using var result = vit.Explain(input, 2);
        Assert.Equal(new long[] { 1, 7, 7 }, result.RawMaps.shape);
        Assert.Equal(new long[] { 1, 224, 224 }, result.Heatmaps.shape);
        Assert.Equal("encoder.layers.encoder_layer_11.ln_1", vit.CreateExplainer().TargetLayerName);

        // A CamExplainer made by hand at that layer applies the reshape the model states for it, unless given another.
        using var byHand = new CamExplainer(vit, vit.LastBlockNorm).Explain(input, 2);
        Assert.Equal(0, Tensors.MaxAbsDifference(result.RawMaps, byHand.RawMaps));
        var noClassToken = new ExplainerOptions { Reshape = ActivationReshape.Tokens(hasClassToken: false) };
        Assert.Throws<CamLayerException>(() => new CamExplainer(vit, vit.LastBlockNorm, noClassToken).Explain(input, 2));
    }

    [Fact]
    public void SwinExplainsItsLastStageChannelsLastAtTheDefaultLayer()
    {
        // swin_t at 224×224: the last stage is 7×7 (N×7×7×768, channels last).
        manual_seed(97);
        var swin = SwinTransformer.Create("swin_t", numClasses: 4);
        swin.eval();
        using var input = randn(1, 3, 224, 224);
        using var result = swin.Explain(input, 1);
        Assert.Equal(new long[] { 1, 7, 7 }, result.RawMaps.shape);
        Assert.Equal("features.7.1.norm1", swin.CreateExplainer().TargetLayerName);
    }

    [Fact]
    public void TruncatedNormalInitialisationHasTheAskedSpreadAndBounds()
    {
        // N(0, 0.02²) truncated at ±2 (100 σ: no visible truncation): std 0.02; N(0, 1) at ±2: std 0.8796 (the
        // truncated normal's), nothing beyond ±2. TorchSharp 0.107's own trunc_normal_ gives a constant here.
        manual_seed(101);
        using var narrow = empty(200_000);
        ZooLayers.TruncatedNormal(narrow, 0.02);
        Assert.Equal(0.02, narrow.std().item<float>(), 3e-4);
        Assert.Equal(0.0, narrow.mean().item<float>(), 3e-4);

        using var wide = empty(200_000);
        ZooLayers.TruncatedNormal(wide, 1.0);
        Assert.Equal(0.8796, wide.std().item<float>(), 5e-3);
        Assert.True(wide.abs().max().item<float>() <= 2f);
        Assert.True(wide.abs().max().item<float>() > 1.99f);
    }

    [Fact]
    public void GuidedBackpropagationRefusesActivationsItIsNotDefinedForAndGuidesReLU6WhenAsked()
    {
        manual_seed(103);
        using var input = randn(1, 3, 64, 64);
        var efficientNet = EfficientNet.Create("efficientnet_b0", numClasses: 3);
        Assert.Contains("SiLU (", Assert.Throws<CamModelException>(() => new GuidedBackpropagation(efficientNet).Explain(input)).Message);
        var mobileNetV3 = MobileNetV3.Create("mobilenet_v3_small", numClasses: 3);
        var options = new ExplainerOptions { GuideRelu6 = true };
        Assert.Contains("Hardswish (", Assert.Throws<CamModelException>(() => new GuidedBackpropagation(mobileNetV3, options).Explain(input)).Message);
        var convNext = ConvNeXt.Create("convnext_tiny", numClasses: 3);
        Assert.Contains("GELU (", Assert.Throws<CamModelException>(() => new GuidedBackpropagation(convNext).Explain(input)).Message);
        Assert.Equal(0, Hooks.Count(efficientNet) + Hooks.Count(mobileNetV3) + Hooks.Count(convNext));

        // MobileNet v2 has ReLU6 only: refused by default, guided at all 35 ReLU6 modules when asked.
        var mobileNetV2 = MobileNetV2.Create(numClasses: 3);
        mobileNetV2.eval();
        Assert.Contains("ReLU6 (35,", Assert.Throws<CamModelException>(() => new GuidedBackpropagation(mobileNetV2).Explain(input)).Message);
        using var guided = new GuidedBackpropagation(mobileNetV2, options).Explain(input, CamTarget.Class(1));
        using var scope = NewDisposeScope();
        var leaf = input.detach().requires_grad_(true);
        var plain = autograd.grad([mobileNetV2.call(leaf)[0, 1]], [leaf])[0];
        Assert.True(guided.Gradients.abs().max().item<float>() > 0);
        var scale = plain.abs().max().item<float>();
        Assert.True(Tensors.MaxAbsDifference(guided.Gradients, plain) > 1e-2 * scale, $"guiding the ReLU6s must change the gradients (difference {Tensors.MaxAbsDifference(guided.Gradients, plain)}, scale {scale})");
    }
}
