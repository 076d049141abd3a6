using System;
using System.Buffers.Binary;
using System.IO;
using System.Text;

namespace CamSdk.Internal;

/// <summary>
/// Marks one symbol-version requirement of an ELF64 little-endian shared library weak (<c>VER_FLG_WEAK</c> in its
/// <c>.gnu.version_r</c> entry), as <c>build/TorchSharpGlibcxx.targets</c> does to the copy in a build's output: the
/// dynamic loader then loads the library where that version is missing, and fails only if a symbol of that version is
/// called. TorchSharp 0.107's <c>libLibTorchSharp.so</c> requires <c>GLIBCXX_3.4.32</c> (GCC 13) and calls nothing of it.
/// </summary>
internal static class WeakVersionRequirement
{
    /// <summary>The version TorchSharp 0.107's bindings require and do not use.</summary>
    internal const string Glibcxx = "GLIBCXX_3.4.32";

    private const uint VersionNeedSection = 0x6ffffffe;
    private const ushort Weak = 2;

    /// <summary>
    /// Marks every requirement of <paramref name="version"/> in <paramref name="elf"/> weak, in place; true when a flag
    /// changed (false when the library is not an ELF64 little-endian file, has no such requirement or has it weak already).
    /// </summary>
    /// <exception cref="InvalidDataException">The file's version tables point outside it.</exception>
    internal static bool Weaken(byte[] elf, string version)
    {
        ArgumentNullException.ThrowIfNull(elf);
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F' || elf[4] != 2 || elf[5] != 1)
        {
            return false;
        }

        try
        {
            var span = elf.AsSpan();
            var sections = checked((int)BinaryPrimitives.ReadInt64LittleEndian(span[0x28..]));
            int size = BinaryPrimitives.ReadUInt16LittleEndian(span[0x3A..]), count = BinaryPrimitives.ReadUInt16LittleEndian(span[0x3C..]);
            var (needs, strings) = (-1, -1);
            for (var i = 0; i < count; i++)
            {
                var header = span[(sections + (i * size))..];
                if (BinaryPrimitives.ReadUInt32LittleEndian(header[4..]) == VersionNeedSection)
                {
                    needs = checked((int)BinaryPrimitives.ReadInt64LittleEndian(header[0x18..]));
                    var linked = checked((int)BinaryPrimitives.ReadUInt32LittleEndian(header[0x28..]));
                    strings = checked((int)BinaryPrimitives.ReadInt64LittleEndian(span[(sections + (linked * size) + 0x18)..]));
                }
            }

            if (needs < 0)
            {
                return false;
            }

            var wanted = Encoding.ASCII.GetBytes(version);
            var changed = false;
            for (var need = needs; ;)
            {
                var entries = BinaryPrimitives.ReadUInt16LittleEndian(span[(need + 2)..]);
                var aux = need + checked((int)BinaryPrimitives.ReadUInt32LittleEndian(span[(need + 8)..]));
                for (var j = 0; j < entries; j++)
                {
                    var name = span[(strings + checked((int)BinaryPrimitives.ReadUInt32LittleEndian(span[(aux + 8)..])))..];
                    name = name[..name.IndexOf((byte)0)];
                    var flags = BinaryPrimitives.ReadUInt16LittleEndian(span[(aux + 4)..]);
                    if (name.SequenceEqual(wanted) && (flags & Weak) == 0)
                    {
                        BinaryPrimitives.WriteUInt16LittleEndian(span[(aux + 4)..], (ushort)(flags | Weak));
                        changed = true;
                    }

                    aux += checked((int)BinaryPrimitives.ReadUInt32LittleEndian(span[(aux + 12)..]));
                }

                var next = BinaryPrimitives.ReadUInt32LittleEndian(span[(need + 12)..]);
                if (next == 0)
                {
                    return changed;
                }

                need += checked((int)next);
            }
        }
        catch (Exception e) when (e is ArgumentOutOfRangeException or OverflowException)
        {
            throw new InvalidDataException("The library's section or version tables point outside the file.", e);
        }
    }

    /// <summary>Whether the system's libstdc++ provides <paramref name="version"/> (its name is in the library's string table).</summary>
    internal static bool SystemProvides(string version)
    {
        var wanted = Encoding.ASCII.GetBytes(version + "\0");
        foreach (var folder in new[] { "/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib", "/lib/x86_64-linux-gnu", "/lib64" })
        {
            var library = Path.Combine(folder, "libstdc++.so.6");
            if (File.Exists(library))
            {
                return File.ReadAllBytes(library).AsSpan().IndexOf(wanted) >= 0;
            }
        }

        return false;
    }
}
