using CamSdk.Internal;
using System.IO.Compression;
using System.Text;
using CamSdk.Models;
using CamSdk.Tests.Support;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace CamSdk.Tests;

/// <summary>
/// Hostile weight files end in a CamWeightsException that names the file and says what is wrong: a flipped byte, a
/// torch.save of something else, safetensors headers that break the format, integers or NaN for float parameters.
/// </summary>
public sealed class WeightsHardeningTests : IDisposable
{
    private readonly TemporaryFolder _folder = new("camsdk-hostile-");

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void ADirectoryIsNamedAsADirectory() =>
        Assert.Contains("is a directory", Assert.Throws<CamWeightsException>(() => ModelWeights.Load(ResNet.ResNet18(3), _folder.Path)).Message);

    private static byte[] TorchSaveArchive(byte[] pickle)
    {
        var stream = new MemoryStream();
        using (var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
        {
            using (var entry = zip.CreateEntry("archive/data.pkl", CompressionLevel.NoCompression).Open())
            {
                entry.Write(pickle);
            }

            using var version = zip.CreateEntry("archive/version", CompressionLevel.NoCompression).Open();
            version.Write("3\n"u8);
        }

        return stream.ToArray();
    }

    [Trait("Speed", "Slow")]
    [Fact]
    public void AByteFlippedInsideATensorFailsTheChecksum()
    {
        manual_seed(3);
        var model = ResNet.ResNet18(3);
        using (no_grad())
        {
            model.named_parameters().Single(p => p.name == "fc.weight").parameter.fill_(Scalars.Of(1234.5));
        }

        var path = _folder.PathOf("flipped.pth");
        PyTorchPickler.PickleStateDict(path, model.state_dict());
        var bytes = Stored(File.ReadAllBytes(path));
        File.WriteAllBytes(path, bytes);
        var marker = BitConverter.GetBytes(1234.5f);
        var at = bytes.AsSpan().IndexOf([.. marker, .. marker, .. marker, .. marker]);
        Assert.True(at > 0, "the fc weights are stored uncompressed");
        ModelWeights.Load(ResNet.ResNet18(3), path); // intact: loads

        bytes[at + 5] ^= 0x10;
        File.WriteAllBytes(path, bytes);
        var error = Assert.Throws<CamWeightsException>(() => ModelWeights.Load(ResNet.ResNet18(3), path));
        Assert.Contains(path, error.Message);
        Assert.Contains("checksum", error.Message);
    }

    /// <summary>The same archive with every entry stored uncompressed (as torch.save writes it), so that a byte of data can be found.</summary>
    private static byte[] Stored(byte[] archive)
    {
        using var source = new ZipArchive(new MemoryStream(archive), ZipArchiveMode.Read);
        var stream = new MemoryStream();
        using (var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var entry in source.Entries)
            {
                using var from = entry.Open();
                using var to = zip.CreateEntry(entry.FullName, CompressionLevel.NoCompression).Open();
                from.CopyTo(to);
            }
        }

        return stream.ToArray();
    }

    [Theory]
    [InlineData(new byte[] { 0x80, 2, (byte)']', (byte)'q', 0, (byte)'(', (byte)'K', 1, (byte)'K', 2, (byte)'e', (byte)'.' }, "holds a list")]
    [InlineData(new byte[] { 0x80, 2, (byte)'K', 7, (byte)'.' }, "holds a number")]
    public void ATorchSaveOfSomethingElseSaysWhatItHolds(byte[] pickle, string expected)
    {
        var path = _folder.Write("other.pth", TorchSaveArchive(pickle));
        var error = Assert.Throws<CamWeightsException>(() => ModelWeights.Load(ResNet.ResNet18(3), path));
        Assert.Contains(expected, error.Message);
        Assert.Contains("only state dicts", error.Message);
        Assert.DoesNotContain("IObjectConstructor", error.Message);
    }

    [Fact]
    public void AWholePickledModelIsNamed()
    {
        var pickle = Encoding.Latin1.GetBytes("\u0080\u0002ctorchvision.models.resnet\nResNet\nq\u0000)\u0081q\u0001}q\u0002b.");
        var path = _folder.Write("model.pth", TorchSaveArchive(pickle));
        var error = Assert.Throws<CamWeightsException>(() => ModelWeights.Load(ResNet.ResNet18(3), path));
        Assert.Contains("a whole pickled model (torchvision.models.resnet.ResNet)", error.Message);
        Assert.Contains("torch.save(model.state_dict(), path)", error.Message);
    }

    [Fact]
    public void PythonObjectsInsideADictAreNamedNotConstructed()
    {
        // {'a': foo.bar.Baz(1)}: Razorvine cannot build a class that takes arguments, and CamSdk never runs one.
        var pickle = Encoding.Latin1.GetBytes("\u0080\u0002}X\u0001\u0000\u0000\u0000acfoo.bar\nBaz\nK\u0001\u0085Rs.");
        var path = _folder.Write("objects.pth", TorchSaveArchive(pickle));
        var error = Assert.Throws<CamWeightsException>(() => ModelWeights.Load(ResNet.ResNet18(3), path));
        Assert.Contains("foo.bar.Baz", error.Message);
        Assert.DoesNotContain("IObjectConstructor", error.Message);
    }

    /// <summary>A safetensors file of two F32 tensors, a (2 values) and b (1 value), with the header's offsets as given.</summary>
    private static byte[] Safetensors(string offsetsA, string offsetsB, int dataBytes = 12, string dtypeA = "F32")
    {
        var json = "{\"a\":{\"dtype\":\"" + dtypeA + "\",\"shape\":[2],\"data_offsets\":" + offsetsA + "},"
            + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":" + offsetsB + "}}";
        var header = Encoding.UTF8.GetBytes(json);
        return [.. BitConverter.GetBytes((ulong)header.Length), .. header, .. new byte[dataBytes]];
    }

    [Theory]
    [InlineData("[0,8]", "[8,12]", 12, "F32", null)]
    [InlineData("[0,8]", "[4,8]", 8, "F32", "overlaps another entry's")]
    [InlineData("[0,8]", "[12,16]", 16, "F32", "bytes 8 to 12 of its data belong to no entry")]
    [InlineData("[0,8]", "[8,12]", 16, "F32", "its last 4 bytes of data belong to no entry")]
    [InlineData("[-8,0]", "[8,12]", 12, "F32", "do not hold exactly its 2 values")]
    [InlineData("[0,8]", "[8,99]", 12, "F32", "do not hold exactly its 1 values")]
    [InlineData("[0,8]", "[8,12]", 12, "F9", "the dtype 'F9'")]
    public void SafetensorsHeadersAreCheckedAgainstTheFormat(string a, string b, int dataBytes, string dtype, string? expected)
    {
        var path = _folder.Write("model.safetensors", Safetensors(a, b, dataBytes, dtype));
        if (expected is null)
        {
            Assert.Equal(new long[] { 2 }, ModelWeights.ReadShapes(path)["a"]);
            return;
        }

        var error = Assert.Throws<CamWeightsException>(() => ModelWeights.ReadShapes(path));
        Assert.Contains($"'{path}' is not a valid safetensors file", error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void IntegersIntoFloatParametersAreRefused()
    {
        var model = TorchSharp.torch.nn.Linear(2, 1);
        var state = new Dictionary<string, TorchSharp.torch.Tensor> { ["weight"] = ones(1, 2, dtype: ScalarType.Int32), ["bias"] = zeros(1) };
        var path = _folder.PathOf("ints.safetensors");
        TorchSharp.PyBridge.Safetensors.SaveStateDict(path, state);
        var error = Assert.Throws<CamWeightsException>(() => ModelWeights.Load(model, path));
        Assert.Contains("1 key(s) of another kind of element type: weight (file Int32, model Float32)", error.Message);
    }

    [Fact]
    public void WeightsHoldingNaNOrInfinityAreRefusedByName()
    {
        manual_seed(4);
        var model = ResNet.ResNet18(3);
        using (no_grad())
        {
            var parameters = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
            parameters["fc.weight"][0, 0] = float.NaN;
            parameters["layer1.0.conv1.weight"][0, 0, 0, 0] = float.PositiveInfinity;
        }

        var path = _folder.PathOf("nan.pth");
        PyTorchPickler.PickleStateDict(path, model.state_dict());
        var error = Assert.Throws<CamWeightsException>(() => ModelWeights.Load(ResNet.ResNet18(3), path));
        Assert.Contains("2 tensor(s)", error.Message);
        Assert.Contains("fc.weight", error.Message);
        Assert.Contains("layer1.0.conv1.weight", error.Message);
    }

    [Fact]
    public void AZeroClassModelIsRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ResNet.ResNet18(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Vgg.Vgg16(0));
    }
}
