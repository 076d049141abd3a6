using CamSdk.Models;
using CamSdk.Targets;
using static TorchSharp.torch;

namespace CamSdk.IntegrationTests;

/// <summary>The generated API, compiled by the generator as a user's build compiles it, against the runtime called by hand.</summary>
public sealed class GeneratedExplainTests
{
    private static double MaxDifference(Tensor a, Tensor b)
    {
        Assert.Equal(a.shape, b.shape);
        return (a - b).abs().max().item<float>();
    }

    [Fact]
    public void ExplainByLabelEqualsTheRuntimeCalledByHand()
    {
        manual_seed(1);
        var net = new ShapeNet();
        using var image = randn(2, 3, 16, 16);
        using var generated = net.Explain(image, Shape.Triangle);
        using var byHand = new CamExplainer(net, net.Features).Explain(image, CamTarget.Class(2));
        Assert.True(byHand.RawMaps.max().item<float>() > 0);
        Assert.Equal(0, MaxDifference(generated.RawMaps, byHand.RawMaps));
        Assert.Equal(0, MaxDifference(generated.Heatmaps, byHand.Heatmaps));
        Assert.Equal(["Triangle", "Triangle"], generated.ClassLabels!);
        Assert.Equal(3, ShapeNet.ClassCount);
        Assert.Equal(["Circle", "Square", "Triangle"], ShapeNet.ClassLabels);
    }

    [Fact]
    public void MethodIsAParameterAndSeveralMethodsComeFromOneCall()
    {
        manual_seed(4);
        var net = new ShapeNet();
        using var image = randn(2, 3, 16, 16);
        using var plusPlus = net.Explain(image, Shape.Square, method: CamSdk.Methods.CamMethods.GradCamPlusPlus);
        using var byHand = new CamExplainer(net, net.Features, new ExplainerOptions { Method = CamSdk.Methods.CamMethods.GradCamPlusPlus }).Explain(image, 1);
        Assert.Equal("GradCAMPlusPlus", plusPlus.MethodName);
        Assert.True(byHand.RawMaps.max().item<float>() > 0);
        Assert.Equal(0, MaxDifference(plusPlus.Heatmaps, byHand.Heatmaps));

        using var several = net.Explain(image, [CamSdk.Methods.CamMethods.GradCamPlusPlus, CamSdk.Methods.CamMethods.EigenCam], CamTarget.Class(1));
        Assert.Equal(["GradCAMPlusPlus", "EigenCAM"], several.Select(r => r.MethodName));
        Assert.Equal(0, MaxDifference(several[0].Heatmaps, byHand.Heatmaps));
    }

    [Fact]
    public void LayerArgumentSelectsTheAnnotatedField()
    {
        manual_seed(2);
        var net = new ShapeNet();
        using var image = randn(1, 3, 16, 16);
        using var generated = net.Explain(image, classIndex: 1, layer: ShapeNet.Layers.Conv2);
        using var byHand = new CamExplainer(net, net.Conv2).Explain(image, 1);
        Assert.Equal(0, MaxDifference(generated.RawMaps, byHand.RawMaps));
        Assert.Same(net.Conv2, net.GetLayer(ShapeNet.Layers.Conv2));
        Assert.Same(net.Features, net.GetLayer(ShapeNet.Layers.Features));
        Assert.Equal("conv2", net.CreateExplainer(ShapeNet.Layers.Conv2).TargetLayerName);
    }

    [Fact]
    public void PredictedAndGuidedVariants()
    {
        manual_seed(3);
        var net = new ShapeNet();
        using var image = randn(2, 3, 16, 16);
        using var predicted = net.ExplainPredicted(image);
        using var byHand = new CamExplainer(net, net.Features).Explain(image);
        Assert.Equal(byHand.ClassIndices, predicted.ClassIndices);
        Assert.Equal(0, MaxDifference(predicted.Heatmaps, byHand.Heatmaps));

        using var guided = net.ExplainGuided(image, Shape.Square);
        using var guidedByHand = new CamExplainer(net, net.Features).ExplainGuided(image, CamTarget.Class(1));
        Assert.Equal(0, MaxDifference(guided.GuidedGradCam, guidedByHand.GuidedGradCam));
        Assert.True(guided.GuidedGradCam.abs().max().item<float>() > 0);
    }

    [Fact]
    public void ClassIndexOutsideTheHeadIsRejectedWithTheRange()
    {
        var net = new ShapeNet();
        using var image = randn(1, 3, 16, 16);
        var index = 3; // not a constant: the analyzer (CAM016) rejects constants at compile time
        var error = Assert.Throws<CamTargetException>(() => net.Explain(image, index));
        Assert.Equal("Class index 3 is out of range: ShapeNet has 3 classes, so valid indices are 0 to 2.", error.Message);
    }

    [Fact]
    public void ScoreMethodHeadExplainsItsHeadOnly()
    {
        manual_seed(4);
        var net = new TwoHeadNet();
        using var image = randn(2, 3, 12, 12);
        using var generated = net.Explain(image, Species.Dog);
        using var byHand = new CamExplainer(net, net.Conv).Explain(image, 1);
        Assert.Equal(0, MaxDifference(generated.RawMaps, byHand.RawMaps));
        Assert.Equal(["Dog", "Dog"], generated.ClassLabels!);

        // Class 1 of the species head is output 1; the other head's outputs (2-4) cannot be asked for.
        var error = Assert.Throws<CamTargetException>(() => net.Explain(image, CamTarget.Class(2)));
        Assert.Contains("valid indices are 0 to 1", error.Message);
    }

    [Fact]
    public void ZooResNetCarriesTheGeneratedApi()
    {
        manual_seed(5);
        var resnet = ResNet.ResNet18(numClasses: 4);
        using var image = randn(1, 3, 64, 64);
        using var generated = resnet.Explain(image, 2);
        using var byHand = new CamExplainer(resnet, resnet.Layer4).Explain(image, 2);
        Assert.Equal(0, MaxDifference(generated.RawMaps, byHand.RawMaps));
        using var layer3 = resnet.ExplainPredicted(image, ResNet.Layers.Layer3);
        Assert.Equal(new long[] { 1, 4, 4 }, layer3.RawMaps.shape);
    }

    /// <summary>VGG-16 keeps its 4096-wide classifier whatever the class count: 120 million parameters, five seconds to build.</summary>
    [Trait("Speed", "Slow")]
    [Fact]
    public void Vgg16CarriesTheGeneratedApi()
    {
        manual_seed(5);
        var vgg = Vgg.Vgg16(numClasses: 3);
        using var small = randn(1, 3, 64, 64);
        using var features = vgg.Explain(small, 1);
        Assert.Equal(new long[] { 1, 2, 2 }, features.RawMaps.shape); // the default, features: after the fifth pooling
        using var lastConv = vgg.Explain(small, 1, Vgg.Layers.LastConvolution);
        Assert.Equal(new long[] { 1, 4, 4 }, lastConv.RawMaps.shape);
    }
}
