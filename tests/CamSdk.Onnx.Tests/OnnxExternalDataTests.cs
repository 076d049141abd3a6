using CamSdk.Onnx;
using CamSdk.Onnx.Protobuf;
using CamSdk.Tests.Support;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using static TorchSharp.torch;

namespace CamSdk.Tests;

/// <summary>
/// Weights kept beside the model in external data files, as <c>onnx.save_model(…, save_as_external_data=True)</c>
/// writes them (and every model over protobuf's 2 GB limit must): read from the model's folder, checked, and refused
/// with the reason when the location, offset or length is wrong.
/// </summary>
public sealed class OnnxExternalDataTests : IDisposable
{
    private const string Export = "shufflenet_v2_x0_5-opset11.onnx";

    private readonly TemporaryFolder _folder = new("camsdk-onnx-external-");

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void WeightsInOneDataFileGiveTheLogitsOfTheModelThatHoldsThem()
    {
        var path = Save(MoveToFile(Original(), "weights.bin", align: 4096), "model.onnx");
        using var inline = OnnxModel.Load(OnnxReference.PathOf(Export));
        using var external = OnnxModel.Load(path);
        using var input = FixedWeights.Input();
        using var expected = inline.call(input);
        using var actual = external.call(input);
        AssertSameWeights(inline, external);
        Assert.True(OnnxReference.RelativeDifference(expected.data<float>().ToArray(), actual.data<float>().ToArray()) < 1e-6);

        // ONNX Runtime reads the same external data file and agrees (its session is made from the path).
        using var session = new InferenceSession(path, new SessionOptions { IntraOpNumThreads = 1 });
        var tensor = new DenseTensor<float>(input.data<float>().ToArray(), [1, 3, 224, 224]);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(session.InputMetadata.Keys.First(), tensor)]);
        var difference = OnnxReference.RelativeDifference([.. results.First().AsEnumerable<float>()], actual.data<float>().ToArray());
        Assert.True(difference < 1e-4, $"{difference:E2} of the logits' scale from ONNX Runtime's.");
    }

    [Fact]
    public void ADataFileInASubfolderWithoutOffsetsAndLengthsIsRead()
    {
        // One file per tensor under "data/", without offset or length: each file is read whole.
        var model = Original();
        Directory.CreateDirectory(Path.Combine(_folder.Path, "data"));
        foreach (var initializer in model.Graph.Initializer.Where(i => i.RawData.Length > 0))
        {
            var file = $"data/{initializer.Name.Replace('.', '_')}";
            File.WriteAllBytes(Path.Combine(_folder.Path, file), initializer.RawData.ToByteArray());
            MakeExternal(initializer, ("location", file));
        }

        using var external = OnnxModel.Load(Save(model, "model.onnx"));
        using var inline = OnnxModel.Load(OnnxReference.PathOf(Export));
        AssertSameWeights(inline, external);
    }

    [Fact]
    public void AStreamWithExternalDataNeedsTheFolder()
    {
        var bytes = MoveToFile(Original(), "weights.bin", align: 1).ToByteArray();
        var refused = Assert.Throws<CamModelException>(() => OnnxModel.Load(new MemoryStream(bytes), "the stream"));
        Assert.Contains("external file", refused.Message, StringComparison.Ordinal);
        Assert.Contains("OnnxModel.Load(path)", refused.Message, StringComparison.Ordinal);
        using var model = OnnxModel.Load(new MemoryStream(bytes), "the stream", externalDataFolder: _folder.Path);
        using var inline = OnnxModel.Load(OnnxReference.PathOf(Export));
        Assert.Equal(inline.Layers[^1].Shape, model.Layers[^1].Shape);
    }

    [Theory]
    [InlineData("../weights.bin", "not inside the model's folder")]
    [InlineData("/etc/passwd", "not inside the model's folder")]
    [InlineData("sub/../../weights.bin", "not inside the model's folder")]
    [InlineData("", "names no location")]
    [InlineData("missing.bin", "does not exist")]
    public void ALocationOutsideTheFolderOrMissingIsRefused(string location, string expected)
    {
        var model = Original();
        var first = model.Graph.Initializer.First(i => i.RawData.Length > 0);
        MakeExternal(first, ("location", location));
        var refused = Assert.Throws<CamWeightsException>(() => OnnxModel.Load(Save(model, "model.onnx")));
        Assert.Contains(expected, refused.Message, StringComparison.Ordinal);
        Assert.Contains(first.Name, refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0", "99999999", "truncated")]
    [InlineData("99999999", null, "truncated")]
    [InlineData("0", "4", "declares")]
    [InlineData("-4", null, "not a byte count")]
    [InlineData("0x10", null, "not a byte count")]
    public void AnOffsetOrLengthThatDoesNotFitIsRefused(string offset, string? length, string expected)
    {
        var model = Original();
        var first = model.Graph.Initializer.First(i => i.RawData.Length > 16);
        File.WriteAllBytes(Path.Combine(_folder.Path, "weights.bin"), first.RawData.ToByteArray());
        MakeExternal(first, length is null ? [("location", "weights.bin"), ("offset", offset)] : [("location", "weights.bin"), ("offset", offset), ("length", length)]);
        var refused = Assert.Throws<CamWeightsException>(() => OnnxModel.Load(Save(model, "model.onnx")));
        Assert.Contains(expected, refused.Message, StringComparison.Ordinal);
    }

    [SymbolicLinkFact]
    public void ADataFileBehindASymbolicLinkIsReadThroughIt()
    {
        var model = MoveToFile(Original(), "weights.bin", align: 1);
        var blob = Path.Combine(_folder.Path, "blob");
        File.Move(Path.Combine(_folder.Path, "weights.bin"), blob);
        File.CreateSymbolicLink(Path.Combine(_folder.Path, "weights.bin"), blob);
        using var external = OnnxModel.Load(Save(model, "model.onnx"));
        using var inline = OnnxModel.Load(OnnxReference.PathOf(Export));
        AssertSameWeights(inline, external);
    }

    /// <summary>Every parameter and buffer equal, bit for bit, in the same order.</summary>
    private static void AssertSameWeights(OnnxModel expected, OnnxModel actual)
    {
        var (a, b) = (expected.state_dict(), actual.state_dict());
        Assert.Equal(a.Keys, b.Keys);
        Assert.All(a.Keys, key => Assert.Equal(a[key].data<float>().ToArray(), b[key].data<float>().ToArray()));
    }

    private static ModelProto Original() => ModelProto.Parser.ParseFrom(File.ReadAllBytes(OnnxReference.PathOf(Export)));

    /// <summary>Moves every initializer's raw data into one file, each at an offset aligned as onnx's own writer aligns large tensors.</summary>
    private ModelProto MoveToFile(ModelProto model, string file, int align)
    {
        using var stream = File.Create(Path.Combine(_folder.Path, file));
        foreach (var initializer in model.Graph.Initializer.Where(i => i.RawData.Length > 0))
        {
            stream.Position = (stream.Length + align - 1) / align * align;
            var offset = stream.Position;
            var data = initializer.RawData.ToByteArray();
            stream.Write(data);
            MakeExternal(initializer, ("location", file), ("offset", offset.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("length", data.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        return model;
    }

    private static void MakeExternal(TensorProto tensor, params (string Key, string Value)[] entries)
    {
        tensor.RawData = ByteString.Empty;
        tensor.DataLocation = TensorProto.Types.DataLocation.External;
        tensor.ExternalData.Clear();
        tensor.ExternalData.AddRange(entries.Select(e => new StringStringEntryProto { Key = e.Key, Value = e.Value }));
    }

    private string Save(ModelProto model, string name)
    {
        var path = Path.Combine(_folder.Path, name);
        File.WriteAllBytes(path, model.ToByteArray());
        return path;
    }
}
