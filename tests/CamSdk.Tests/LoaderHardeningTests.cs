using CamSdk.Internal;
using System.IO.Compression;
using System.Text;
using CamSdk.Cli;
using CamSdk.Imaging;
using CamSdk.Models;
using CamSdk.Tests.Support;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace CamSdk.Tests;

/// <summary>
/// Hostile files end in a CamSdk exception that names the file and says what is wrong, before anything large is
/// allocated: decompression bombs, extreme aspect ratios, malformed .npy headers, corrupt or foreign torch.save files.
/// </summary>
public sealed class LoaderHardeningTests : IDisposable
{
    private readonly TemporaryFolder _folder = new("camsdk-hostile-");

    public void Dispose() => _folder.Dispose();

    // ---- images ----

    [Theory]
    [InlineData(20000u, 20000u)]
    [InlineData(30000u, 30000u)] // SkiaSharp's own BytesSize overflows here
    [InlineData(65535u, 65535u)]
    [InlineData(100000u, 100000u)]
    public void ImagesDeclaringTooManyPixelsAreRefusedFromTheirHeader(uint width, uint height)
    {
        var path = _folder.Write("bomb.png", ImageFiles.PngDeclaring(width, height));
        var before = GC.GetTotalAllocatedBytes(precise: true);
        var error = Assert.Throws<CamImageException>(() => RgbImage.Load(path));
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        Assert.Contains(path, error.Message);
        Assert.Contains($"{width}×{height}", error.Message);
        Assert.Contains("ImageLimits.MaxPixels", error.Message);
        Assert.True(allocated < 10_000_000, $"{allocated:N0} bytes were allocated before the image was refused");
    }

    [Fact]
    public void ABmpWhosePixelsLiePastItsEndIsRefusedBeforeSkiaSharpSeesIt()
    {
        // Found by the fuzz: SkiaSharp's BMP decoder crashes the process on bfOffBits = 0xFFFFFFFF.
        var bmp = ImageFiles.Bmp(4, 4, new byte[48]);
        RgbImage.Decode(bmp, "fine.bmp");
        BitConverter.GetBytes(uint.MaxValue).CopyTo(bmp, 10);
        var error = Assert.Throws<CamImageException>(() => RgbImage.Decode(bmp, "crafted.bmp"));
        Assert.Contains("'crafted.bmp' is a corrupt BMP: its header puts the pixels at byte 4,294,967,295", error.Message);
        Assert.Throws<CamImageException>(() => RgbImage.Decode(bmp[..20], "short.bmp"));
    }

    [Fact]
    public void ThePixelLimitIsPillowsAndCanBeChecked()
    {
        Assert.Equal(178_956_970, ImageLimits.DefaultMaxPixels);
        Assert.Equal(ImageLimits.DefaultMaxPixels, ImageLimits.MaxPixels);
        ImageLimits.CheckDecode(13377, 13377, "x"); // 178,944,129: just below
        Assert.Throws<CamImageException>(() => ImageLimits.CheckDecode(13378, 13378, "x"));
        var error = Assert.Throws<CamImageException>(() => ImageLimits.CheckDecode(20, 20, "small.png", maxPixels: 399));
        Assert.Contains("400 pixels", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => ImageLimits.MaxPixels = 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => ImageLimits.MaxPixels = long.MaxValue);
        Assert.Equal(ImageLimits.DefaultMaxPixels, ImageLimits.MaxPixels);
    }

    [Theory]
    [InlineData(1, 4000)]
    [InlineData(4000, 1)]
    public void ExtremeAspectRatiosAreRefusedBeforeResizing(int width, int height)
    {
        var image = new RgbImage(width, height, new byte[width * height * 3]);
        var before = GC.GetTotalAllocatedBytes(precise: true);
        var error = Assert.Throws<CamImageException>(() => ImagePreprocessor.ImageNet.ToTensor(image));
        Assert.True(GC.GetTotalAllocatedBytes(precise: true) - before < 10_000_000);
        Assert.Contains("256×1024000", error.Message.Replace("1024000×256", "256×1024000", StringComparison.Ordinal));
        Assert.Contains("aspect ratio", error.Message);
    }

    [Fact]
    public void AModerateAspectRatioStillResizes()
    {
        var image = new RgbImage(10, 400, new byte[10 * 400 * 3]); // 256 × 10,240: 2.6 million pixels
        using var batch = ImagePreprocessor.ImageNet.ToTensor(image);
        Assert.Equal(new long[] { 1, 3, 224, 224 }, batch.shape);
        Assert.Equal((256, 10240), ImagePreprocessor.ResizedSize(10, 400, 256));
    }

    [Fact]
    public void PreprocessingOptionsAreValidated()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ImagePreprocessor { ResizeTo = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new ImagePreprocessor { CropTo = -1 });
        Assert.Throws<ArgumentOutOfRangeException>(() => ImagePreprocessor.ResizedSize(0, 10, 256));
        var nanMean = new ImagePreprocessor { Mean = [float.NaN, 0, 0] };
        Assert.Throws<CamImageException>(() => nanMean.ToTensor(new RgbImage(4, 4, new byte[48])));
    }

    [Fact]
    public void ADirectoryIsNamedAsADirectory()
    {
        Assert.Contains("is a directory", Assert.Throws<CamImageException>(() => RgbImage.Load(_folder.Path)).Message);
        Assert.Contains("is a directory", Assert.Throws<CamWeightsException>(() => ModelWeights.Load(ResNet.ResNet18(3), _folder.Path)).Message);
        Assert.Contains("is a directory", Assert.Throws<CamInputException>(() => Npy.Read(_folder.Path)).Message);
    }

    // ---- .npy ----

    private static byte[] NpyBytes(string header, byte[] data, int major = 1)
    {
        var preamble = major == 1 ? 10 : 12;
        var padded = header.PadRight(((preamble + header.Length + 1 + 63) / 64 * 64) - preamble - 1) + "\n";
        var bytes = new List<byte> { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', (byte)major, 0 };
        bytes.AddRange(major == 1 ? BitConverter.GetBytes((ushort)padded.Length) : BitConverter.GetBytes((uint)padded.Length));
        bytes.AddRange(Encoding.ASCII.GetBytes(padded));
        bytes.AddRange(data);
        return [.. bytes];
    }

    private static byte[] Floats(params float[] values) => [.. values.SelectMany(BitConverter.GetBytes)];

    [Theory]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 1)]
    [InlineData("{'descr':'<f4','fortran_order':False,'shape':(2,3)}", 1)]
    [InlineData("{\"descr\": \"<f4\", \"shape\": (2, 3), \"fortran_order\": False}", 2)]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 3)]
    public void NpyHeadersParseWhateverTheirSpacingQuotesOrVersion(string header, int major)
    {
        using var tensor = Npy.Parse(NpyBytes(header, Floats(1, 2, 3, 4, 5, 6), major), "a.npy");
        Assert.Equal(new long[] { 2, 3 }, tensor.shape);
        Assert.Equal(new float[] { 1, 2, 3, 4, 5, 6 }, tensor.data<float>().ToArray());
    }

    [Fact]
    public void NpyFortranOrderBigEndianAndOtherFloatWidthsAreConverted()
    {
        // Fortran order stores columns first: [[1, 2, 3], [4, 5, 6]] is stored 1, 4, 2, 5, 3, 6.
        using var fortran = Npy.Parse(NpyBytes("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", Floats(1, 4, 2, 5, 3, 6)), "f.npy");
        Assert.Equal(new float[] { 1, 2, 3, 4, 5, 6 }, fortran.data<float>().ToArray());

        var big = Floats(1.5f, -2.25f).Chunk(4).SelectMany(b => b.Reverse()).ToArray();
        using var bigEndian = Npy.Parse(NpyBytes("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", big), "b.npy");
        Assert.Equal(new float[] { 1.5f, -2.25f }, bigEndian.data<float>().ToArray());

        using var doubles = Npy.Parse(NpyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", [.. BitConverter.GetBytes(0.1), .. BitConverter.GetBytes(-3.0)]), "d.npy");
        Assert.Equal(new float[] { 0.1f, -3f }, doubles.data<float>().ToArray());

        using var halves = Npy.Parse(NpyBytes("{'descr': '<f2', 'fortran_order': False, 'shape': (2,), }", [.. BitConverter.GetBytes((Half)0.5), .. BitConverter.GetBytes((Half)(-8))]), "h.npy");
        Assert.Equal(new float[] { 0.5f, -8f }, halves.data<float>().ToArray());
        Assert.Equal(ScalarType.Float32, halves.dtype);
    }

    [Theory]
    [InlineData("{'descr': '<i8', 'fortran_order': False, 'shape': (1,), }", 8, "64-bit signed integers ('<i8')")]
    [InlineData("{'descr': '|u1', 'fortran_order': False, 'shape': (1,), }", 1, "8-bit unsigned integers ('|u1')")]
    [InlineData("{'descr': '|b1', 'fortran_order': False, 'shape': (1,), }", 1, "booleans")]
    [InlineData("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", 8, "complex numbers")]
    [InlineData("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", 8, "Python objects")]
    [InlineData("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", 4, "structured array")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (0, 3, 8, 8), }", 0, "at least 1")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (-1, 3), }", 0, "at least 1")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296, 4), }", 0, "more elements than any file")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", 8, "should hold 3 values of 4 bytes")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", 8, "should hold 1 values of 4 bytes")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, }", 4, "no 'shape'")]
    [InlineData("{'descr': '<f4', 'fortran_order': 'no', 'shape': (1,), }", 4, "'fortran_order' is not True or False")]
    [InlineData("{'descr': '<f4', 'fortran_order': Maybe, 'shape': (1,), }", 4, "'Maybe'")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (1, x), }", 4, "'x', not an integer")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'extra': 1}", 4, "where True, False")]
    [InlineData("['descr', '<f4']", 4, "'[' where '{' belongs")]
    [InlineData("{'descr': '<f4", 4, "never ends")]
    public void MalformedOrForeignNpyIsACamInputExceptionNamingTheFile(string header, int dataBytes, string expected)
    {
        var error = Assert.Throws<CamInputException>(() => Npy.Parse(NpyBytes(header, new byte[dataBytes]), "bad.npy"));
        Assert.Contains("'bad.npy'", error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void TruncatedNpyPreamblesAreMalformedNotIndexErrors()
    {
        var good = NpyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", Floats(1));
        for (var length = 0; length < 80; length++)
        {
            Assert.Throws<CamInputException>(() => Npy.Parse(good[..length], "cut.npy"));
        }

        var lying = (byte[])good.Clone();
        (lying[8], lying[9]) = (0xFF, 0xFF); // a header length past the end of the file
        Assert.Contains("claims 65,535 bytes", Assert.Throws<CamInputException>(() => Npy.Parse(lying, "cut.npy")).Message);
        Assert.Contains("empty", Assert.Throws<CamInputException>(() => Npy.Parse([], "empty.npy")).Message);
    }

    // ---- weights ----

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
