using CamSdk.Internal;
using System.Text;
using CamSdk.Cli;
using CamSdk.Tests.Support;
using static TorchSharp.torch;

namespace CamSdk.Tests;

/// <summary>
/// Hostile .npy files end in a CamInputException that names the file and says what is wrong: malformed headers of every
/// kind, truncated preambles; Fortran order, big-endian and other float widths are converted.
/// </summary>
public sealed class NpyHardeningTests : IDisposable
{
    private readonly TemporaryFolder _folder = new("camsdk-hostile-");

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void ADirectoryIsNamedAsADirectory() =>
        Assert.Contains("is a directory", Assert.Throws<CamInputException>(() => Npy.Read(_folder.Path)).Message);

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
}
