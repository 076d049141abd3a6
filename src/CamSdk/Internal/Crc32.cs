using System;

namespace CamSdk.Internal;

/// <summary>The CRC-32 of zip archives (ISO 3309, polynomial 0xEDB88320, reflected), computed a byte at a time from a table.</summary>
internal static class Crc32
{
    internal const uint Initial = 0xFFFFFFFF;

    private static readonly uint[] Table = CreateTable();

    internal static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        foreach (var b in data)
        {
            crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }

        return crc;
    }

    internal static uint Finish(uint crc) => ~crc;

    private static uint[] CreateTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            var c = n;
            for (int k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
            }

            table[n] = c;
        }

        return table;
    }
}
