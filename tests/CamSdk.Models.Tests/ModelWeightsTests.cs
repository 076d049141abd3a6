using System.Collections;
using CamSdk.Models;
using CamSdk.Tests.Support;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace CamSdk.Tests;

public sealed class ModelWeightsTests : IDisposable
{
    private readonly TemporaryFolder _folder = new("camsdk-weights-");

    public void Dispose() => _folder.Dispose();

    private static ResNet Trained(int seed)
    {
        manual_seed(seed);
        return ResNet.ResNet18(numClasses: 7);
    }

    private static void AssertSameWeights(nn.Module expected, nn.Module actual, double tolerance = 0)
    {
        var a = expected.state_dict();
        foreach (var (key, tensor) in actual.state_dict())
        {
            Assert.True(Tensors.MaxAbsDifference(a[key], tensor) <= tolerance, key);
        }
    }

    [Fact]
    public void TorchSaveStateDictLoadsAndKeepsRequiresGrad()
    {
        var source = SavedResNets.Model(seed: 1, classes: 7);
        var path = _folder.PathOf("model.weights"); // recognised by content, not by extension
        File.Copy(SavedResNets.ResNet18(seed: 1, classes: 7), path);

        var target = Trained(2);
        target.Layer1.parameters().First().requires_grad = false;
        var flags = target.parameters().Select(p => p.requires_grad).ToArray();
        var report = ModelWeights.Load(target, path);

        Assert.Equal(WeightsFormat.PyTorch, report.Format);
        Assert.Equal(122, report.Loaded);
        Assert.Empty(report.Missing);
        AssertSameWeights(source, target);
        Assert.Equal(flags, target.parameters().Select(p => p.requires_grad).ToArray());
    }

    [Theory]
    [InlineData("state_dict", false)]
    [InlineData("model", false)]
    [InlineData(null, true)]
    public void CheckpointsAndDataParallelPrefixesLoad(string? wrapper, bool dataParallel)
    {
        var source = Trained(3);
        var state = new Hashtable();
        foreach (var (key, tensor) in source.state_dict())
        {
            state[(dataParallel ? "module." : string.Empty) + key] = tensor;
        }

        IDictionary file = state;
        if (wrapper is not null)
        {
            file = new Hashtable { [wrapper] = state, ["epoch"] = 12 };
        }

        var path = _folder.PathOf("checkpoint.pt");
        PyTorchPickler.PickleStateDict(path, file);
        var target = Trained(4);
        ModelWeights.Load(target, path);
        AssertSameWeights(source, target);
    }

    [Theory]
    [InlineData(ScalarType.Float32, 0)]
    [InlineData(ScalarType.Float16, 1e-2)]
    [InlineData(ScalarType.BFloat16, 5e-2)]
    public void SafetensorsLoadInEachFloatType(ScalarType type, double tolerance)
    {
        var source = Trained(5);
        var path = _folder.PathOf("model.safetensors");
        using (var scope = NewDisposeScope())
        {
            var state = source.state_dict().ToDictionary(e => e.Key, e => e.Value.is_floating_point() ? e.Value.to(type) : e.Value);
            Safetensors.SaveStateDict(path, state);
        }

        var target = Trained(6);
        var report = ModelWeights.Load(target, path);
        Assert.Equal(WeightsFormat.Safetensors, report.Format);
        AssertSameWeights(source, target, tolerance);
        Assert.All(target.parameters(), p => Assert.Equal(ScalarType.Float32, p.dtype));
    }

    [Fact]
    public void TorchSharpDatLoads()
    {
        var source = Trained(7);
        var path = _folder.PathOf("model.dat");
        source.save(path);
        var target = Trained(8);
        Assert.Equal(WeightsFormat.TorchSharp, ModelWeights.Load(target, path).Format);
        AssertSameWeights(source, target);
    }

    [Trait("Speed", "Slow")]
    [Fact]
    public void AnotherModelsWeightsNameTheMismatchedKeysBeforeCopyingAnything()
    {
        var path = _folder.PathOf("resnet34.pth");
        PyTorchPickler.PickleStateDict(path, ResNet.ResNet34(numClasses: 5).state_dict());
        var target = Trained(9);
        var before = target.state_dict().ToDictionary(e => e.Key, e => e.Value.clone());

        var error = Assert.Throws<CamWeightsException>(() => ModelWeights.Load(target, path));
        Assert.Contains(path, error.Message);
        Assert.Contains("unexpected in the file: layer1.2.bn1.bias", error.Message);
        Assert.Contains("fc.weight (file [5, 512], model [7, 512])", error.Message);
        Assert.Contains("These weights are another size of ResNet: they fit resnet34", error.Message);
        Assert.Contains("strict: false", error.Message);
        foreach (var (key, tensor) in target.state_dict())
        {
            Assert.Equal(0, Tensors.MaxAbsDifference(before[key], tensor));
        }
    }

    [Fact]
    public void MissingKeysAreNamed()
    {
        var source = Trained(10);
        var state = source.state_dict().Where(e => !e.Key.StartsWith("fc.", StringComparison.Ordinal)).ToDictionary(e => e.Key, e => e.Value);
        var path = _folder.PathOf("headless.safetensors");
        Safetensors.SaveStateDict(path, state);
        var error = Assert.Throws<CamWeightsException>(() => ModelWeights.Load(Trained(11), path));
        Assert.Contains("2 key(s) missing from the file: fc.weight ([7, 512]), fc.bias ([7])", error.Message);

        var target = Trained(12);
        var report = ModelWeights.Load(target, path, strict: false);
        Assert.Equal(["fc.weight", "fc.bias"], report.Missing);
        Assert.Equal(120, report.Loaded);
    }

    [Theory]
    [InlineData("model.pth")]
    [InlineData("model.safetensors")]
    [InlineData("model.dat")]
    public void TruncatedFilesFailWithTheFileName(string name)
    {
        var source = Trained(13);
        var path = _folder.PathOf(name);
        switch (Path.GetExtension(name))
        {
            case ".pth": File.Copy(SavedResNets.ResNet18(seed: 1, classes: 7), path); break;
            case ".safetensors": Safetensors.SaveStateDict(path, source.state_dict()); break;
            default: source.save(path); break;
        }

        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        var error = Assert.Throws<CamWeightsException>(() => ModelWeights.Load(Trained(14), path));
        Assert.Contains(path, error.Message);
        Assert.Contains("truncated or corrupt", error.Message);
    }

    [Fact]
    public void UnknownAndLegacyFormatsSayWhatToDo()
    {
        var text = _folder.PathOf("notes.pth");
        File.WriteAllText(text, "these are not weights\n");
        var error = Assert.Throws<CamWeightsException>(() => ModelWeights.Load(Trained(15), text));
        Assert.Contains("is not a weights file", error.Message);
        Assert.Contains("torch.save(model.state_dict(), path)", error.Message);

        var legacy = _folder.PathOf("legacy.pth");
        File.WriteAllBytes(legacy, [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19]);
        error = Assert.Throws<CamWeightsException>(() => ModelWeights.Load(Trained(16), legacy));
        Assert.Contains("legacy serialisation", error.Message);

        error = Assert.Throws<CamWeightsException>(() => ModelWeights.Load(Trained(17), _folder.PathOf("absent.pth")));
        Assert.Contains("does not exist", error.Message);
    }

    [Fact]
    public void ShapesCanBeReadWithoutAModel()
    {
        var shapes = ModelWeights.ReadShapes(SavedResNets.ResNet18(seed: 1, classes: 7));
        Assert.Equal(122, shapes.Count);
        Assert.Equal(new long[] { 7, 512 }, shapes["fc.weight"]);
        Assert.Equal(Array.Empty<long>(), shapes["bn1.num_batches_tracked"]);
    }
}
