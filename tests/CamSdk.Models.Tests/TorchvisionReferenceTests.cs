using System.IO.Compression;
using System.Text.Json;
using CamSdk.Models;
using CamSdk.Tests.Support;
using static TorchSharp.torch;

namespace CamSdk.Tests;

/// <summary>
/// The zoo against torchvision 0.14 (TestData/torchvision, made by make_reference.py there): every architecture has
/// torchvision's state-dict keys and shapes, and the smallest of each family computes torchvision's logits.
/// </summary>
public sealed class TorchvisionReferenceTests
{
    /// <summary>Architectures with more parameters than this are built in the slow set only (seconds and gigabytes each).</summary>
    private const long FastParameterLimit = 40_000_000;

    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "TestData", "torchvision");

    private static readonly Lazy<Dictionary<string, List<string>>> Keys = new(() =>
    {
        using var stream = new GZipStream(File.OpenRead(Path.Combine(Folder, "keys.tsv.gz")), CompressionMode.Decompress);
        using var reader = new StreamReader(stream);
        var keys = new Dictionary<string, List<string>>();
        for (var line = reader.ReadLine(); line is not null; line = reader.ReadLine())
        {
            var tab = line.IndexOf('\t', StringComparison.Ordinal);
            if (tab > 0)
            {
                (keys.TryGetValue(line[..tab], out var list) ? list : keys[line[..tab]] = []).Add(line[(tab + 1)..]);
            }
        }

        return keys;
    });

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
        Assert.True(scale > 1e-3, $"{architecture}: the reference logits must not be trivially small ({scale}).");
        Assert.True(worst <= 1e-4, $"{architecture}: logits differ from torchvision's by {worst:E2} of their scale {scale:G4}.\n  ours:        {string.Join(", ", actual)}\n  torchvision: {string.Join(", ", expected)}");
    }

    [Fact]
    public void TheZooHasEveryClassificationBuilderOfTorchvision()
    {
        // The 75 builders make_reference.py lists, and every family's smallest computed against torchvision.
        Assert.Equal(Keys.Value.Keys.Order(StringComparer.Ordinal), ModelZoo.Architectures.Select(a => a.Name).Order(StringComparer.Ordinal));
        Assert.Equal(20, LogitArchitectures.Count);
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
    }

    private static long Parameters(string architecture) =>
        Keys.Value.TryGetValue(architecture, out var keys)
            ? keys.Sum(k => k[(k.IndexOf('\t', StringComparison.Ordinal) + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries).Aggregate(1L, (a, d) => a * long.Parse(d, System.Globalization.CultureInfo.InvariantCulture)))
            : long.MaxValue;
}
