using CamSdk.Models;
using CamSdk.Tests.Support;
using TorchSharp.PyBridge;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace CamSdk.Tests;

/// <summary>The standing seeded fuzz of the weight readers (<see cref="Fuzzer"/>): every mutated .pth, .safetensors or .dat loads or is a CamWeightsException.</summary>
public sealed class WeightsFuzzTests(ITestOutputHelper output) : IDisposable
{
    private readonly TemporaryFolder _folder = new("camsdk-fuzz-");
    private readonly Fuzzer _fuzzer = new(output);

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void MutatedWeightFilesLoadOrAreRefused()
    {
        manual_seed(6);
        var model = new SmallCnn(classes: 3);
        var pth = _folder.PathOf("seed.pth");
        var safetensors = _folder.PathOf("seed.safetensors");
        var dat = _folder.PathOf("seed.dat");
        PyTorchPickler.PickleStateDict(pth, model.state_dict());
        Safetensors.SaveStateDict(safetensors, model.state_dict());
        model.save(dat);
        var target = new SmallCnn(classes: 3);
        var file = _folder.PathOf("mutated");
        var (loaded, refused) = _fuzzer.Fuzz([("pth", File.ReadAllBytes(pth)), ("safetensors", File.ReadAllBytes(safetensors)), ("dat", File.ReadAllBytes(dat))], 1003, (bytes, _) =>
        {
            File.WriteAllBytes(file, bytes);
            ModelWeights.Load(target, file);
        });
        Assert.Equal(Fuzzer.Mutations, loaded + refused);
        Assert.True(refused > Fuzzer.Mutations / 2, $"only {refused} of {Fuzzer.Mutations} mutations were refused");
    }
}
