using CamSdk.Methods;
using CamSdk.Models;
using CamSdk.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace CamSdk.Tests;

/// <summary>
/// TorchSharp's own TorchVision models, as users build them: every CAM method explains them at the zoo's default layer
/// of the same torchvision name, with the zoo's maps when the zoo model holds the same weights.
/// </summary>
public sealed class TorchVisionModelsTests
{
    private const int Classes = 5;

    public static TheoryData<string> Builders => ["alexnet", "googlenet", "inception_v3", "mobilenet_v2", "mobilenet_v3_small", "resnet18", "vgg11_bn"];

    [Theory]
    [MemberData(nameof(Builders))]
    public void GradCamAtTheZoosDefaultLayerEqualsTheZoosMapWithTheSameWeights(string architecture)
    {
        manual_seed(109);
        using var scope = NewDisposeScope();
        var (torchVision, zoo) = Models(architecture);
        Tensors.CopyStateDict(torchVision, zoo);
        torchVision.eval();
        zoo.eval();
        var input = randn(1, 3, Side(architecture), Side(architecture));

        var zooExplainer = new CamExplainer(zoo, LayerOf(zoo, ModelZoo.Find(architecture).DefaultLayer));
        var explainer = new CamExplainer(torchVision, LayerOf(torchVision, ModelZoo.Find(architecture).DefaultLayer));
        var nonTrivial = 0;
        for (int c = 0; c < Classes; c++)
        {
            using var expected = zooExplainer.Explain(input, c);
            using var actual = explainer.Explain(input, c);
            var scale = expected.RawMaps.abs().max().item<float>();
            Assert.True(Tensors.MaxAbsDifference(expected.RawMaps, actual.RawMaps) <= 1e-5 * Math.Max(1, scale));
            nonTrivial += scale > 0 ? 1 : 0;
        }

        Assert.True(nonTrivial > 0, "some class must have a non-zero map");
    }

    [Trait("Speed", "Slow")]
    [Theory]
    [MemberData(nameof(Builders))]
    public void EveryCamMethodExplainsTheTorchVisionModelAtTheZoosDefaultLayer(string architecture)
    {
        manual_seed(113);
        using var scope = NewDisposeScope();
        var (torchVision, _) = Models(architecture);
        torchVision.eval();
        var side = Side(architecture);
        var input = randn(1, 3, side, side);
        var explainer = new CamExplainer(torchVision, LayerOf(torchVision, ModelZoo.Find(architecture).DefaultLayer));
        // Score-CAM and Ablation-CAM make one forward pass per channel group, the same code for every model: they run on
        // the two with the fewest channels (AlexNet's 256, MobileNet v3 small's 576) to keep the set's time in bounds.
        var methods = architecture is "alexnet" or "mobilenet_v3_small"
            ? CamMethods.All
            : [.. CamMethods.All.Where(m => m is not ScoreCam and not AblationCam)];
        using var results = explainer.Explain(input, methods, Targets.CamTarget.Class(2));
        Assert.Equal(methods.Count, results.Count);
        foreach (var result in results)
        {
            Assert.Equal(new long[] { 1, side, side }, result.Heatmaps.shape);
            Assert.False(result.Heatmaps.isnan().any().item<bool>(), $"{result.MethodName} gave NaN");
        }
    }

    private static int Side(string architecture) => architecture == "inception_v3" ? 96 : 64;

    private static nn.Module<Tensor, Tensor> LayerOf(nn.Module model, string path) =>
        (nn.Module<Tensor, Tensor>)model.named_modules().Single(m => m.name == path).module;

    /// <summary>TorchSharp's TorchVision model and the zoo model with the same keys (TorchSharp's GoogLeNet has no auxiliary classifiers; its MobileNet v3 has 1000 classes).</summary>
    private static (nn.Module<Tensor, Tensor> TorchVision, nn.Module<Tensor, Tensor> Zoo) Models(string architecture) => architecture switch
    {
        "alexnet" => (torchvision.models.alexnet(num_classes: Classes), ModelZoo.Create(architecture, Classes)),
        "googlenet" => (torchvision.models.googlenet(num_classes: Classes), GoogLeNet.Create(Classes, auxLogits: false)),
        "inception_v3" => (torchvision.models.inception_v3(num_classes: Classes), ModelZoo.Create(architecture, Classes)),
        "mobilenet_v2" => (torchvision.models.mobilenet_v2(num_classes: Classes), ModelZoo.Create(architecture, Classes)),
        "mobilenet_v3_small" => (torchvision.models.mobilenet_v3_small(), ModelZoo.Create(architecture, 1000)),
        "resnet18" => (torchvision.models.resnet18(num_classes: Classes), ModelZoo.Create(architecture, Classes)),
        _ => (torchvision.models.vgg11_bn(num_classes: Classes), ModelZoo.Create(architecture, Classes)),
    };
}
