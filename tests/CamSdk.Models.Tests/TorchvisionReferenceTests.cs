using System.Text.Json;
using CamSdk.Models;
using CamSdk.Tests.Support;
using static TorchSharp.torch;

namespace CamSdk.Tests;

/// <summary>
/// The zoo against torchvision 0.14 (TestData/torchvision/make_reference.py writes the keys, embedded in CamSdk.Models,
/// and the logits): every architecture has
/// torchvision's state-dict keys and shapes, and the smallest of each family computes torchvision's logits.
/// </summary>
public sealed class TorchvisionReferenceTests(Xunit.Abstractions.ITestOutputHelper output)
{
    /// <summary>Architectures with more parameters than this are built in the slow set only (seconds and gigabytes each).</summary>
    private const long FastParameterLimit = 40_000_000;

    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "TestData", "torchvision");

    // torchvision's keys and shapes, as CamSdk.Models embeds them (make_reference.py writes the resource).
    private static readonly Lazy<Dictionary<string, List<string>>> Keys = new(() => TorchvisionKeys.Architectures.ToDictionary(
        a => a.Key,
        a => a.Value.Select(e => $"{e.Key}\t{string.Join(",", e.Value)}").ToList()));

    public static TheoryData<string> SmallArchitectures => [.. ModelZoo.Architectures.Select(a => a.Name).Where(n => Parameters(n) <= FastParameterLimit)];

    public static TheoryData<string> LargeArchitectures => [.. ModelZoo.Architectures.Select(a => a.Name).Where(n => Parameters(n) > FastParameterLimit)];

    public static TheoryData<string> LogitArchitectures
    {
        get
        {
            using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, "logits.json")));
            var known = ModelZoo.Architectures.Select(a => a.Name).ToHashSet();
            return [.. json.RootElement.GetProperty("logits").EnumerateObject().Select(p => p.Name).Where(known.Contains)];
        }
    }

    [Theory]
    [MemberData(nameof(SmallArchitectures))]
    public void HasTorchvisionsStateDictKeysAndShapes(string architecture) => AssertKeysAndShapes(architecture);

    [Trait("Speed", "Slow")]
    [Theory]
    [MemberData(nameof(LargeArchitectures))]
    public void LargeArchitectureHasTorchvisionsStateDictKeysAndShapes(string architecture) => AssertKeysAndShapes(architecture);

    [Theory]
    [MemberData(nameof(LogitArchitectures))]
    public void ComputesTorchvisionsLogitsWithTheSameWeights(string architecture)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, "logits.json")));
        var expected = json.RootElement.GetProperty("logits").GetProperty(architecture).EnumerateArray().Select(v => v.GetSingle()).ToArray();

        using var scope = NewDisposeScope();
        var model = ModelZoo.Create(architecture, numClasses: 10);
        FixedWeights.Apply(model);
        model.eval();
        float[] actual;
        using (no_grad())
        {
            actual = model.call(FixedWeights.Input()).data<float>().ToArray();
        }

        // Relative to the logits' scale: |ours - torchvision's| <= 1e-4 · max |torchvision's|.
        var scale = expected.Max(Math.Abs);
        var worst = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max() / scale;
        output.WriteLine($"{architecture}: logits differ by {worst:E2} of their scale {scale:G4}");
        Assert.True(scale > 1e-3, $"{architecture}: the reference logits must not be trivially small ({scale}).");
        Assert.True(worst <= 1e-4, $"{architecture}: logits differ from torchvision's by {worst:E2} of their scale {scale:G4}.\n  ours:        {string.Join(", ", actual)}\n  torchvision: {string.Join(", ", expected)}");
    }

    [Fact]
    public void TheZooHasEveryClassificationBuilderOfTorchvision()
    {
        // The 75 builders make_reference.py lists, and every family's smallest computed against torchvision.
        Assert.Equal(Keys.Value.Keys.Order(StringComparer.Ordinal), ModelZoo.Architectures.Select(a => a.Name).Order(StringComparer.Ordinal));
        Assert.Equal(20, LogitArchitectures.Count);

        // torchvision's num_params, from its weights' metadata.
        Assert.Equal(25_557_032, ModelZoo.Find("resnet50").Parameters);
        Assert.Equal(86_567_656, ModelZoo.Find("vit_b_16").Parameters);
        Assert.Equal(28_288_354, ModelZoo.Find("swin_t").Parameters);
        Assert.Equal(5_288_548, ModelZoo.Find("efficientnet_b0").Parameters);
    }

    [Fact]
    public void WeightsOfAnotherArchitectureSizeOrClassCountSayWhichTheyFit()
    {
        using var folder = new TemporaryFolder("camsdk-zoo-weights-");
        manual_seed(107);
        var mnasnet = folder.PathOf("mnasnet0_5.pth");
        using (var model = MnasNet.Create("mnasnet0_5", numClasses: 10))
        {
            TorchSharp.PyBridge.PyTorchPickler.PickleStateDict(mnasnet, model.state_dict());
        }

        var squeezenet = folder.PathOf("squeezenet1_1.pth");
        using (var model = SqueezeNet.Create("1_1", numClasses: 7))
        {
            TorchSharp.PyBridge.PyTorchPickler.PickleStateDict(squeezenet, model.state_dict());
        }

        // Same keys, other shapes: another size of the family.
        var size = Assert.Throws<CamWeightsException>(() => ModelWeights.Load(MnasNet.Create("mnasnet1_0", 10), mnasnet));
        Assert.Contains("another size of MnasNet: they fit mnasnet0_5", size.Message);
        // Only the class head differs: both class counts.
        var classes = Assert.Throws<CamWeightsException>(() => ModelWeights.Load(MnasNet.Create("mnasnet0_5", 4), mnasnet));
        Assert.Contains("classifier.1.weight has 10 classes and the model 4: build it with numClasses: 10", classes.Message);
        // Another family.
        var family = Assert.Throws<CamWeightsException>(() => ModelWeights.Load(MnasNet.Create("mnasnet0_5", 10), squeezenet));
        Assert.Contains("These weights are torchvision's squeezenet1_1", family.Message);

        Assert.Equal("squeezenet1_1", ModelZoo.Identify(ModelWeights.ReadShapes(squeezenet))?.Name);
        Assert.Equal("mnasnet0_5", ModelZoo.Identify(ModelWeights.ReadShapes(mnasnet))?.Name);
        Assert.Null(ModelZoo.Identify(new Dictionary<string, long[]> { ["conv.weight"] = [8, 3, 3, 3] }));
    }

    [Fact]
    public void AnUnknownArchitectureListsTheKnownOnes()
    {
        var error = Assert.Throws<CamModelException>(() => ModelZoo.Find("resnet19"));
        Assert.Contains("'resnet19'", error.Message);
        Assert.Contains("resnet18", error.Message);
        Assert.Contains("densenet121", error.Message);
        Assert.Same(ModelZoo.Find("resnet18"), ModelZoo.Find("ResNet18"));
    }

    private static void AssertKeysAndShapes(string architecture)
    {
        Assert.True(Keys.Value.TryGetValue(architecture, out var expected), $"{architecture} is not in torchvision's reference.");
        using var scope = NewDisposeScope();
        var model = ModelZoo.Create(architecture);
        var actual = model.state_dict().Select(e => $"{e.Key}\t{string.Join(",", e.Value.shape)}");
        Assert.Equal(expected.Order(StringComparer.Ordinal), actual.Order(StringComparer.Ordinal));

        // The default layer the zoo states is the one the model marks [ExplainLayer(IsDefault = true)].
        var explainable = Assert.IsAssignableFrom<IExplainableModel>(model);
        var layer = explainable.GetExplainableLayer(explainable.ExplainableFacts.DefaultLayer);
        Assert.Equal(ModelZoo.Find(architecture).DefaultLayer, model.named_modules().First(m => ReferenceEquals(m.module, layer)).name);
    }

    private static long Parameters(string architecture) =>
        Keys.Value.TryGetValue(architecture, out var keys)
            ? keys.Sum(k => k[(k.IndexOf('\t', StringComparison.Ordinal) + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries).Aggregate(1L, (a, d) => a * long.Parse(d, System.Globalization.CultureInfo.InvariantCulture)))
            : long.MaxValue;
}
