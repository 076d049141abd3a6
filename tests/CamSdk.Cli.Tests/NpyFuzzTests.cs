using CamSdk.Cli;
using CamSdk.Tests.Support;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace CamSdk.Tests;

/// <summary>The standing seeded fuzz of the .npy reader (<see cref="Fuzzer"/>): every mutated file parses or is a CamInputException.</summary>
public sealed class NpyFuzzTests(ITestOutputHelper output) : IDisposable
{
    private readonly TemporaryFolder _folder = new("camsdk-fuzz-");
    private readonly Fuzzer _fuzzer = new(output);

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void MutatedNpyFilesParseOrAreRefused()
    {
        var path = _folder.PathOf("batch.npy");
        using (var batch = randn(2, 3, 4, 4))
        {
            Npy.Write(path, batch);
        }

        // A second seed: version 2.0, big-endian float64, Fortran order, a header without spaces.
        var header = "{'descr':'>f8','fortran_order':True,'shape':(2,3)}".PadRight(116) + "\n";
        byte[] wide = [0x93, .. "NUMPY"u8, 2, 0, .. BitConverter.GetBytes((uint)header.Length), .. System.Text.Encoding.ASCII.GetBytes(header),
            .. Enumerable.Range(1, 6).SelectMany(v => BitConverter.GetBytes((double)v).Reverse())];
        using (var check = Npy.Parse(wide, "wide.npy"))
        {
            Assert.Equal(new float[] { 1, 3, 5, 2, 4, 6 }, check.data<float>().ToArray());
        }

        var (loaded, refused) = _fuzzer.Fuzz([("npy", File.ReadAllBytes(path)), ("npy-v2-big-endian-fortran", wide)], 1002, (bytes, name) =>
        {
            using var tensor = Npy.Parse(bytes, name);
            Assert.True(tensor.numel() >= 1);
        });
        Assert.Equal(Fuzzer.Mutations, loaded + refused);
        Assert.True(refused > Fuzzer.Mutations / 2, $"only {refused} of {Fuzzer.Mutations} mutations were refused");
    }
}
