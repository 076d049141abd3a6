using System.Text.Json;
using CamSdk.Methods;
using TorchSharp.PyBridge;
using CamSdk.Targets;
using CamSdk.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace CamSdk.Tests;

/// <summary>
/// Every method against pytorch-grad-cam's own maps on the same weights and inputs (TestData/pytorch-grad-cam: the
/// weights, inputs and maps that make_reference.py wrote with pytorch-grad-cam and torch 1.13), after its min-max scaling.
/// </summary>
public sealed class PytorchGradCamAgreementTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const double Tolerance = 1e-5;
    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "TestData", "pytorch-grad-cam");
    private static readonly JsonElement Reference = JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, "reference.json"))).RootElement;

    public static TheoryData<string> CnnMethods =>
        ["GradCAM", "GradCAMPlusPlus", "XGradCAM", "HiResCAM", "GradCAMElementWise", "LayerCAM", "EigenCAM", "EigenGradCAM", "ScoreCAM", "AblationCAM"];

    [Fact]
    public void EveryMethodFromOnePassEqualsPytorchGradCam()
    {
        var (model, input, target) = Cnn();
        CamMethod[] methods =
        [
            CamMethods.GradCam, CamMethods.GradCamPlusPlus, CamMethods.XGradCam, CamMethods.HiResCam, CamMethods.GradCamElementWise,
            CamMethods.LayerCam, CamMethods.EigenCam, CamMethods.EigenGradCam, new ScoreCam { BatchSize = 3 }, new AblationCam { BatchSize = 3 },
        ];
        using var results = new CamExplainer(model, model.Feature(5)).Explain(input, methods, target);

        Assert.Equal(methods.Select(m => m.Name), results.Select(r => r.MethodName));
        foreach (var result in results)
        {
            AssertAgrees("cnn", result.MethodName, result.Heatmaps);
        }
    }

    [Fact]
    public void LayerCamOnTheFirstConvolutionEqualsPytorchGradCam()
    {
        var (model, input, target) = Cnn();
        using var result = new CamExplainer(model, model.Feature(0), new ExplainerOptions { Method = CamMethods.LayerCam }).Explain(input, target);
        AssertAgrees("cnn", "LayerCAM@features.0", result.Heatmaps);
    }

    [Fact]
    public void TwoLayersAreCombinedAsPytorchGradCamCombinesThem()
    {
        var (model, input, target) = Cnn();
        using var result = new CamExplainer(model, [model.Feature(3), model.Feature(5)]).Explain(input, target);
        AssertAgrees("cnn", "GradCAM@features.3+features.5", result.Heatmaps);
        Assert.Equal(new long[] { 2, 8, 8 }, result.RawMaps.shape);
    }

    [Fact]
    public void EigenSmoothAndAugmentationSmoothEqualPytorchGradCam()
    {
        var (model, input, target) = Cnn();
        using var eigen = new CamExplainer(model, model.Feature(5), new ExplainerOptions { EigenSmooth = true }).Explain(input, target);
        using var augmented = new CamExplainer(model, model.Feature(5), new ExplainerOptions { AugmentationSmooth = true }).Explain(input, target);
        AssertAgrees("cnn", "GradCAM+eigen_smooth", eigen.Heatmaps);
        AssertAgrees("cnn", "GradCAM+aug_smooth", augmented.Heatmaps);
    }

    [Fact]
    public void ScoreCamPaperVariantEqualsTheAuthorsCode()
    {
        var (model, input, target) = Cnn();
        using var result = new CamExplainer(model, model.Feature(5), new ExplainerOptions { Method = ScoreCam.Paper }).Explain(input, target);
        AssertAgrees("cnn", "ScoreCAM(paper)", result.Heatmaps);
        using var pytorchGradCam = new CamExplainer(model, model.Feature(5), new ExplainerOptions { Method = CamMethods.ScoreCam }).Explain(input, target);
        Assert.True(Tensors.MaxAbsDifference(result.Heatmaps, pytorchGradCam.Heatmaps) > 1e-3, "the paper's variant must differ from pytorch-grad-cam's here");
    }

    [Fact]
    public void VisionTransformerTokensAreExplainedLikePytorchGradCam()
    {
        var model = new ReferenceVit();
        model.load_py(Path.Combine(Folder, "tiny_vit.pth"));
        model.eval();
        using var input = Tensor("vit", "input", [2, 3, 16, 16]);
        var target = CamTarget.Classes(Targets("vit"));
        CamMethod[] methods = [CamMethods.GradCam, CamMethods.HiResCam, CamMethods.EigenCam, new ScoreCam { BatchSize = 4 }, new AblationCam { BatchSize = 4 }];
        var options = new ExplainerOptions { Reshape = ActivationReshape.Tokens(4, 4) };
        using var results = new CamExplainer(model, model.block1, options).Explain(input, methods, target);

        Assert.Equal(methods.Select(m => m.Name), results.Select(r => r.MethodName));
        foreach (var result in results)
        {
            Assert.Equal(new long[] { 2, 4, 4 }, result.RawMaps.shape);
            AssertAgrees("vit", result.MethodName, result.Heatmaps);
        }
    }

    private static (ReferenceCnn Model, Tensor Input, CamTarget Target) Cnn()
    {
        var model = new ReferenceCnn();
        model.load_py(Path.Combine(Folder, "tiny_cnn.pth"));
        model.eval();
        return (model, Tensor("cnn", "input", [2, 3, 16, 16]), CamTarget.Classes(Targets("cnn")));
    }

    private static int[] Targets(string net) => [.. Reference.GetProperty(net).GetProperty("targets").EnumerateArray().Select(e => e.GetInt32())];

    private static Tensor Tensor(string net, string name, long[] shape) => Parse(Reference.GetProperty(net).GetProperty(name), shape);

    private static Tensor Parse(JsonElement element, long[] shape)
    {
        var values = new List<float>();
        void Walk(JsonElement e)
        {
            if (e.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in e.EnumerateArray())
                {
                    Walk(item);
                }
            }
            else
            {
                values.Add((float)e.GetDouble());
            }
        }

        Walk(element);
        return tensor(values.ToArray()).reshape(shape);
    }

    private void AssertAgrees(string net, string key, Tensor heatmaps)
    {
        using var expected = Parse(Reference.GetProperty(net).GetProperty("maps").GetProperty(key), heatmaps.shape);
        Assert.True(expected.max().item<float>() > 0.5f, $"{key}: the reference must be a non-trivial map");
        var difference = Tensors.MaxAbsDifference(heatmaps, expected);
        output.WriteLine($"{net} {key}: max |CamSdk − pytorch-grad-cam| = {difference:E2}");
        Assert.True(difference < Tolerance, $"{key}: max |CamSdk − pytorch-grad-cam| = {difference:E2}");
    }
}
