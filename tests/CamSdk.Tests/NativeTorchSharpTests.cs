using CamSdk.Internal;
using CamSdk.Tests.Support;
using System.Runtime.InteropServices;
using System.Text;
using static TorchSharp.torch;

namespace CamSdk.Tests;

public sealed class NativeTorchSharpTests
{
    [Fact]
    public void AutogradComputesTheDerivativeOfACubic()
    {
        // d/dx Σ x³ = 3x²: native libtorch loaded and its autograd engine ran.
        using var x = tensor(new double[] { -2, 0.5, 3 }).requires_grad_(true);
        using var y = x.pow(Scalars.Of(3)).sum();
        var gradient = autograd.grad([y], [x])[0];
        Assert.Equal(new[] { 12.0, 0.75, 27.0 }, gradient.data<double>().ToArray());
    }

    [LinuxFact]
    public void NativeLibraryInTheOutputIsPatchedExactlyWhereTheSystemNeedsIt()
    {
        var library = Directory.GetFiles(AppContext.BaseDirectory, "libLibTorchSharp.so", SearchOption.AllDirectories).First();
        var flags = Elf.VersionRequirementFlags(File.ReadAllBytes(library), "GLIBCXX_3.4.32");
        Assert.NotNull(flags); // TorchSharp 0.107's library asks for this version
        const ushort weak = 2;
        Assert.Equal(!SystemLibStdCxxProvides("GLIBCXX_3.4.32"), (flags!.Value & weak) != 0);
    }

    private static bool SystemLibStdCxxProvides(string version)
    {
        var lib = new[] { "/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib", "/lib/x86_64-linux-gnu", "/lib64" }
            .Select(d => Path.Combine(d, "libstdc++.so.6")).First(File.Exists);
        return File.ReadAllBytes(lib).AsSpan().IndexOf(Encoding.ASCII.GetBytes(version + "\0")) >= 0;
    }

    /// <summary>Reads an ELF64 file's version requirements (.gnu.version_r).</summary>
    private static class Elf
    {
        internal static ushort? VersionRequirementFlags(byte[] elf, string version)
        {
            long sectionHeaders = BitConverter.ToInt64(elf, 0x28);
            int entrySize = BitConverter.ToUInt16(elf, 0x3A), count = BitConverter.ToUInt16(elf, 0x3C);
            for (int i = 0; i < count; i++)
            {
                long header = sectionHeaders + (long)i * entrySize;
                if (BitConverter.ToUInt32(elf, (int)header + 4) != 0x6ffffffe)
                {
                    continue; // not SHT_GNU_verneed
                }

                long verneed = BitConverter.ToInt64(elf, (int)header + 0x18);
                long strings = BitConverter.ToInt64(elf, (int)(sectionHeaders + (long)BitConverter.ToUInt32(elf, (int)header + 0x28) * entrySize) + 0x18);
                for (long entry = verneed; ; )
                {
                    long aux = entry + BitConverter.ToUInt32(elf, (int)entry + 8);
                    for (int j = 0; j < BitConverter.ToUInt16(elf, (int)entry + 2); j++)
                    {
                        int name = (int)(strings + BitConverter.ToUInt32(elf, (int)aux + 8));
                        int end = Array.IndexOf(elf, (byte)0, name);
                        if (Encoding.ASCII.GetString(elf, name, end - name) == version)
                        {
                            return BitConverter.ToUInt16(elf, (int)aux + 4);
                        }

                        aux += BitConverter.ToUInt32(elf, (int)aux + 12);
                    }

                    uint next = BitConverter.ToUInt32(elf, (int)entry + 12);
                    if (next == 0)
                    {
                        return null;
                    }

                    entry += next;
                }
            }

            return null;
        }
    }
}
