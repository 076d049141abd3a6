using System.Text.Json;
using CamSdk.Guided;
using CamSdk.Methods;
using CamSdk.Models;
using CamSdk.Targets;
using CamSdk.Tests.Support;
using static TorchSharp.torch;

namespace CamSdk.Tests;

/// <summary>
/// The zoo's maps against pytorch-grad-cam's on torchvision's models with the same weights and input, for the smallest
/// model of each family (TestData/torchvision/make_cam_reference.py): Grad-CAM and Grad-CAM++ to 1e-5, Eigen-CAM to 1e-4
/// for every family, Score-CAM to 5e-5 for the CNNs with at most 576 channels at the default layer (slow set), each
/// after pytorch-grad-cam's scaling at the layer's resolution; Guided Backpropagation where pytorch-grad-cam guides
/// every ReLU, to 1e-5 of its scale.
/// </summary>
public sealed class PytorchGradCamZooAgreementTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static readonly Lazy<JsonDocument> Reference = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "TestData", "torchvision", "cams.json"))));

    public static TheoryData<string> Families => [.. Reference.Value.RootElement.GetProperty("families").EnumerateObject().Select(p => p.Name)];

    public static TheoryData<string> ScoreCamFamilies => [.. Reference.Value.RootElement.GetProperty("families").EnumerateObject()
        .Where(p => p.Value.GetProperty("maps").TryGetProperty("scorecam", out _)).Select(p => p.Name)];

    public static TheoryData<string> GuidedFamilies => [.. Reference.Value.RootElement.GetProperty("families").EnumerateObject()
        .Where(p => p.Value.TryGetProperty("guided", out _)).Select(p => p.Name)];

    [Theory]
    [MemberData(nameof(Families))]
    public void GradientMapsEqualPytorchGradCams(string architecture) =>
        AssertMapsAgree(architecture, [CamMethods.GradCam, CamMethods.GradCamPlusPlus], 1e-5);

    [Trait("Speed", "Slow")]
    [Theory]
    [MemberData(nameof(Families))]
    public void EigenCamEqualsPytorchGradCams(string architecture) =>
        AssertMapsAgree(architecture, [CamMethods.EigenCam], 1e-4); // the first principal component of float32 activations: ViT-B/32's maps differ by 6.9e-5

    /// <summary>The CNNs whose default layer has at most 576 channels (make_cam_reference.py says why).</summary>
    [Trait("Speed", "Slow")]
    [Theory]
    [MemberData(nameof(ScoreCamFamilies))]
    public void ScoreCamEqualsPytorchGradCams(string architecture) =>
        AssertMapsAgree(architecture, [CamMethods.ScoreCam], 5e-5); // softmax of hundreds of perturbed passes: VGG-11-BN's maps differ by 1.4e-5

    [Trait("Speed", "Slow")]
    [Theory]
    [MemberData(nameof(GuidedFamilies))]
    public void GuidedBackpropagationEqualsPytorchGradCams(string architecture)
    {
        var family = Reference.Value.RootElement.GetProperty("families").GetProperty(architecture);
        var guided = family.GetProperty("guided");
        using var scope = NewDisposeScope();
        var (model, input) = Prepare(architecture, family);
        using var result = new GuidedBackpropagation(model).Explain(input, CamTarget.Class(family.GetProperty("class").GetInt32()));

        // pytorch-grad-cam returns the gradient as H×W×3.
        var actual = result.Gradients[0].permute(1, 2, 0).contiguous().to(float64).data<double>().ToArray();
        var sample = guided.GetProperty("every13th").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        var scale = sample.Max(Math.Abs);
        Assert.True(scale > 0, "the guided gradient must not be trivially zero");
        var worst = sample.Select((v, i) => Math.Abs(v - actual[i * 13])).Max();
        output.WriteLine($"{architecture} guided-backprop: largest difference {worst / scale:E2} of the largest value");
        Assert.True(worst <= 1e-5 * scale, $"{architecture}: guided gradients differ by {worst / scale:E2} of their scale");
        Assert.Equal(guided.GetProperty("abs_sum").GetDouble(), actual.Sum(Math.Abs), guided.GetProperty("abs_sum").GetDouble() * 1e-5);
        Assert.Equal(guided.GetProperty("sum").GetDouble(), actual.Sum(), guided.GetProperty("abs_sum").GetDouble() * 1e-5);
    }

    private void AssertMapsAgree(string architecture, CamMethod[] methods, double tolerance)
    {
        var family = Reference.Value.RootElement.GetProperty("families").GetProperty(architecture);
        using var scope = NewDisposeScope();
        var (model, input) = Prepare(architecture, family);
        var explainable = (IExplainableModel)model;
        var index = explainable.ExplainableFacts.DefaultLayer;
        var explainer = new CamExplainer(model, explainable.GetExplainableLayer(index)); // with the reshape the model states for it
        using var results = explainer.Explain(input, methods, CamTarget.Class(family.GetProperty("class").GetInt32()));
        foreach (var result in results)
        {
            var expected = family.GetProperty("maps").GetProperty(result.MethodKey).EnumerateArray()
                .SelectMany(row => row.EnumerateArray()).Select(v => v.GetDouble()).ToArray();
            var actual = Scaled(Scaled(result.RawMaps[0].to(float64).flatten().data<double>().ToArray()));
            Assert.Equal(expected.Length, actual.Length);
            Assert.True(expected.Max() > 0.5, $"{architecture} {result.MethodKey}: the reference map must not be trivially zero");
            var worst = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
            output.WriteLine($"{architecture} {result.MethodKey}: largest difference {worst:E2}");
            Assert.True(worst <= tolerance, $"{architecture} {result.MethodKey}: maps differ from pytorch-grad-cam's by {worst:E2}");
        }
    }

    /// <summary>pytorch-grad-cam's scale_cam_image without a resize: (m − min) / (max(m − min) + 1e-7).</summary>
    private static double[] Scaled(double[] map)
    {
        var min = map.Min();
        var max = map.Max() - min;
        return [.. map.Select(v => (v - min) / (1e-7 + max))];
    }

    private static (nn.Module<Tensor, Tensor> Model, Tensor Input) Prepare(string architecture, JsonElement family)
    {
        var model = ModelZoo.Create(architecture, numClasses: 10);
        FixedWeights.Apply(model);
        model.eval();
        Assert.Equal(ModelZoo.Find(architecture).DefaultLayer, family.GetProperty("layer").GetString());
        return (model, FixedWeights.Input(family.GetProperty("side").GetInt32()));
    }
}
