using CamSdk.Evaluation;
using CamSdk.Methods;
using CamSdk.Models;
using CamSdk.Targets;
using TorchSharp;
using static TorchSharp.torch;

namespace CamSdk.Tests;

/// <summary>
/// The evaluators explain a transformer as the model's own Explain does: their explainers, made from the model and a
/// layer, take the token reshape the model states for its explainable layers (all three evaluators share that path).
/// </summary>
public sealed class TransformerEvaluationTests
{
    [Theory]
    [Trait("Speed", "Slow")]
    [InlineData("vit_b_32", "heads.head")]
    [InlineData("swin_t", "head")]
    public void TheSanityCheckExplainsATransformerWithTheReshapeItStates(string architecture, string head)
    {
        manual_seed(23);
        using var model = ModelZoo.Create(architecture, numClasses: 10);
        using (no_grad())
        using (var scale = 0.05.ToScalar())
        {
            // torchvision's ViT starts with a zero head, whose class scores have no gradient: give the head weights.
            foreach (var (name, parameter) in model.named_parameters().Where(p => p.name.StartsWith(head + ".", StringComparison.Ordinal)))
            {
                parameter.copy_(randn_like(parameter).mul(scale));
            }
        }

        model.eval();
        var explainable = (IExplainableModel)model;
        var index = explainable.ExplainableFacts.DefaultLayer;
        var layer = explainable.GetExplainableLayer(index);
        using var images = randn(1, 3, 224, 224);
        var options = new SanityCheckOptions
        {
            CreateModel = () => ModelZoo.Create(architecture, numClasses: 10),
            Layers = [head],
            Independent = false,
            IncludeGuided = false,
            GalleryImages = 1,
        };

        var result = SanityCheck.Run(model, layer, images, [CamMethods.GradCam], options);

        // The reshape given by hand, as a user of a model without the annotations would give it.
        var byHand = new CamExplainer(model, layer, new ExplainerOptions { Reshape = explainable.GetExplainableLayerReshape(index) });
        using var own = byHand.Explain(images, CamTarget.PredictedClass);
        var expected = own.HeatmapToArray();
        var max = expected.Cast<float>().Max();
        var actual = result.Original[0][0];
        Assert.Equal(224, actual.GetLength(0));
        Assert.Equal(224, actual.GetLength(1));
        var largest = 0.0;
        for (var y = 0; y < 224; y++)
        {
            for (var x = 0; x < 224; x++)
            {
                largest = Math.Max(largest, Math.Abs(actual[y, x] - (Math.Abs(expected[y, x]) / max)));
            }
        }

        Assert.True(largest < 1e-5, $"The sanity check's Grad-CAM of {architecture} differs from the model's own by {largest}.");
        // Not a flat map: the reshaped tokens give a map with structure (a 7×7 grid upsampled).
        Assert.True(expected.Cast<float>().Min() < 0.5f * max, "The map is flat: the test would not tell a reshape from none.");
        // Randomising the head changes the map, as it must for a map that explains the model.
        Assert.Single(result.Steps);
        Assert.True(result.Steps[0].Similarity[CamMethods.GradCam.Key].SpearmanAbsolute < 0.99);
    }
}
