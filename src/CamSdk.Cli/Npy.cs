using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using CamSdk.Internal;
using TorchSharp;

namespace CamSdk.Cli;

/// <summary>
/// NumPy's <c>.npy</c> format (versions 1.0, 2.0 and 3.0): what <c>numpy.save</c> writes and <c>numpy.load</c> reads,
/// so that arrays can be compared with Python tools. Reading parses the header as the format specifies it (a Python
/// dict literal with <c>descr</c>, <c>fortran_order</c> and <c>shape</c>), checks every length against the file, and
/// converts floating-point arrays of either byte order and either memory order to C-ordered float32; anything else is
/// refused by name. Every malformed file is a <see cref="CamInputException"/> naming it.
/// </summary>
internal static class Npy
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    internal static void Write(string path, torch.Tensor tensor)
    {
        using var scope = torch.NewDisposeScope();
        var data = tensor.detach().to(torch.float32).cpu().contiguous().data<float>().ToArray();
        var shape = tensor.shape.Length == 1 ? $"({tensor.shape[0]},)" : "(" + string.Join(", ", tensor.shape) + ")";
        var header = $"{{'descr': '<f4', 'fortran_order': False, 'shape': {shape}, }}";
        // The header, with its 10-byte preamble, is padded with spaces to a multiple of 64 bytes and ends with '\n'.
        var total = (10 + header.Length + 1 + 63) / 64 * 64;
        header = header.PadRight(total - 10 - 1) + "\n";

        using var stream = File.Create(path);
        using var writer = new BinaryWriter(stream);
        writer.Write(Magic);
        writer.Write((byte)1);
        writer.Write((byte)0);
        writer.Write((ushort)header.Length);
        writer.Write(Encoding.ASCII.GetBytes(header));
        var bytes = new byte[data.Length * sizeof(float)];
        Buffer.BlockCopy(data, 0, bytes, 0, bytes.Length);
        writer.Write(bytes);
    }

    /// <summary>Reads a .npy file as a C-ordered float32 tensor on the CPU.</summary>
    internal static torch.Tensor Read(string path)
    {
        // Its length is the stream's, also through a symbolic link (a FileInfo's would be the link's own).
        return Parse(UserFiles.ReadAllBytes(path, ".npy file", static m => new CamInputException(m + " Split a batch too large for one array into several .npy files.")), path);
    }

    /// <summary>Parses the bytes of a .npy file.</summary>
    internal static torch.Tensor Parse(byte[] bytes, string path)
    {
        if (bytes.Length < 10 || !bytes.AsSpan(0, 6).SequenceEqual(Magic))
        {
            throw Malformed(path, bytes.Length == 0 ? "it is empty" : "it lacks the \\x93NUMPY magic that starts every .npy file");
        }

        var (major, minor) = (bytes[6], bytes[7]);
        if (major is < 1 or > 3 || minor != 0)
        {
            throw Malformed(path, $"its format version {major}.{minor} is not one NumPy writes (1.0, 2.0 or 3.0)");
        }

        var offset = major == 1 ? 10 : 12;
        if (bytes.Length < offset)
        {
            throw Malformed(path, "it ends inside its preamble");
        }

        long headerLength = major == 1 ? BitConverter.ToUInt16(bytes, 8) : BitConverter.ToUInt32(bytes, 8);
        if (offset + headerLength > bytes.Length)
        {
            throw Malformed(path, $"its header claims {headerLength:N0} bytes but the file has only {bytes.Length - offset:N0} after the preamble");
        }

        var encoding = major == 3 ? Encoding.UTF8 : Encoding.Latin1;
        var header = Header.Parse(encoding.GetString(bytes, offset, (int)headerLength), path);
        var dataOffset = offset + (int)headerLength;

        var elements = 1L;
        foreach (var dimension in header.Shape)
        {
            if (dimension < 1)
            {
                throw new CamInputException(
                    $"'{path}' holds an array of shape ({string.Join(", ", header.Shape)}): every dimension must be at least 1 (an empty array has nothing to explain).");
            }

            elements = elements > long.MaxValue / dimension
                ? throw Malformed(path, $"its shape ({string.Join(", ", header.Shape)}) has more elements than any file can hold")
                : elements * dimension;
        }

        var available = bytes.Length - dataOffset;
        if (elements > available / header.ItemSize || elements * header.ItemSize != available)
        {
            throw new CamInputException(
                $"'{path}' should hold {elements:N0} values of {header.ItemSize} bytes after its header ({header.Descr}, shape ({string.Join(", ", header.Shape)})) " +
                $"but has {available:N0} bytes: it is truncated or corrupt. Save it again with numpy.save.");
        }

        var data = bytes.AsSpan(dataOffset);
        if (header.BigEndian)
        {
            data = data.ToArray(); // never the caller's array
            for (int i = 0; i < data.Length; i += header.ItemSize)
            {
                data.Slice(i, header.ItemSize).Reverse();
            }
        }

        using var scope = torch.NewDisposeScope();
        // Fortran order stores the transpose: read with the shape reversed, then reverse the axes.
        var stored = header.FortranOrder ? header.Shape.Reverse().ToArray() : header.Shape;
        var values = header.ItemSize switch
        {
            2 => torch.tensor(Convert<Half>(data).Select(h => (float)h).ToArray()),
            4 => torch.tensor(Convert<float>(data)),
            _ => torch.tensor(Convert<double>(data)).to(torch.float32),
        };
        var tensor = values.reshape(stored);
        if (header.FortranOrder && stored.Length > 1)
        {
            tensor = tensor.permute([.. Enumerable.Range(0, stored.Length).Reverse().Select(i => (long)i)]).contiguous();
        }

        return tensor.MoveToOuterDisposeScope();
    }

    private static T[] Convert<T>(ReadOnlySpan<byte> data)
        where T : unmanaged => System.Runtime.InteropServices.MemoryMarshal.Cast<byte, T>(data).ToArray();

    private static CamInputException Malformed(string path, string reason) =>
        new($"'{path}' is not a valid NumPy .npy file: {reason}. Write it with numpy.save(path, array).");

    /// <summary>The header dict: <c>{'descr': '&lt;f4', 'fortran_order': False, 'shape': (1, 3, 224, 224), }</c>.</summary>
    private sealed record Header(string Descr, bool BigEndian, int ItemSize, bool FortranOrder, long[] Shape)
    {
        internal static Header Parse(string text, string path)
        {
            var reader = new LiteralReader(text, path);
            var entries = reader.ReadDict();
            foreach (var key in new[] { "descr", "fortran_order", "shape" })
            {
                if (!entries.ContainsKey(key))
                {
                    throw Malformed(path, $"its header has no '{key}' (it reads: {Excerpt(text)})");
                }
            }

            if (entries.Count != 3)
            {
                throw Malformed(path, $"its header has keys NumPy does not write ({string.Join(", ", entries.Keys.Where(k => k is not ("descr" or "fortran_order" or "shape")))})");
            }

            var descr = entries["descr"] as string
                ?? throw new CamInputException($"'{path}' holds a structured array (its descr is a list of fields); camsdk reads plain float arrays. Save array.astype(np.float32).");
            var fortran = entries["fortran_order"] as bool?
                ?? throw Malformed(path, "its 'fortran_order' is not True or False");
            var shape = entries["shape"] as long[]
                ?? throw Malformed(path, "its 'shape' is not a tuple of integers");
            var (bigEndian, itemSize) = ParseDescr(descr, path);
            return new Header(descr, bigEndian, itemSize, fortran, shape);
        }

        /// <summary>Floating point of 2, 4 or 8 bytes in either byte order; anything else is refused by name.</summary>
        private static (bool BigEndian, int ItemSize) ParseDescr(string descr, string path)
        {
            // NumPy writes a byte-order mark ('<' little, '>' big, '|' not applicable, '=' native) before the type code.
            var marked = descr.Length > 0 && descr[0] is '<' or '>' or '|' or '=';
            var code = marked ? descr[1..] : descr;
            if (code is "f2" or "f4" or "f8")
            {
                return (marked && descr[0] == '>', code[1] - '0');
            }

            var kind = code.Length == 0 ? '?' : code[0];
            var name = kind switch
            {
                'i' => $"{SizeBits(code)}-bit signed integers",
                'u' => $"{SizeBits(code)}-bit unsigned integers",
                'b' => "booleans",
                'c' => "complex numbers",
                'O' => "Python objects",
                'U' or 'S' or 'a' => "strings",
                'V' => "raw bytes (void)",
                'M' or 'm' => "dates or time spans",
                'f' => $"{SizeBits(code)}-bit floats",
                _ => "an unknown type",
            };
            throw new CamInputException(
                $"'{path}' holds {name} ('{descr}'); camsdk reads floating-point arrays (float16, float32 or float64, either byte order) " +
                "already normalised as the model expects. Convert it in Python: numpy.save(path, array.astype(np.float32)) after normalising.");
        }

        private static string SizeBits(string code) => int.TryParse(code.AsSpan(1), out var bytes) ? (bytes * 8).ToString(System.Globalization.CultureInfo.InvariantCulture) : "?";

        private static string Excerpt(string text) => text.Length <= 80 ? text.Trim() : text[..80] + "…";
    }

    /// <summary>Reads the subset of Python literals a .npy header uses: a dict of strings, booleans and integer tuples.</summary>
    private sealed class LiteralReader(string text, string path)
    {
        private int position;

        internal Dictionary<string, object?> ReadDict()
        {
            Expect('{');
            var entries = new Dictionary<string, object?>(StringComparer.Ordinal);
            while (true)
            {
                SkipSpaces();
                if (TryConsume('}'))
                {
                    break;
                }

                var key = ReadString();
                Expect(':');
                if (!entries.TryAdd(key, ReadValue()))
                {
                    throw Malformed(path, $"its header repeats the key '{key}'");
                }

                SkipSpaces();
                if (TryConsume('}'))
                {
                    break;
                }

                Expect(',');
            }

            SkipSpaces();
            if (position != text.Length)
            {
                throw Malformed(path, "its header has text after the closing brace");
            }

            return entries;
        }

        private object? ReadValue()
        {
            SkipSpaces();
            if (position >= text.Length)
            {
                throw Malformed(path, "its header ends inside a value");
            }

            switch (text[position])
            {
                case '\'' or '"':
                    return ReadString();
                case '(':
                    return ReadTuple();
                case '[':
                    SkipBalanced('[', ']');
                    return null; // a structured dtype's field list
                default:
                    var word = ReadWord();
                    return word switch
                    {
                        "True" => true,
                        "False" => false,
                        _ => throw Malformed(path, $"its header has the value '{word}' where True, False, a string or a tuple belongs"),
                    };
            }
        }

        private long[] ReadTuple()
        {
            Expect('(');
            var values = new List<long>();
            while (true)
            {
                SkipSpaces();
                if (TryConsume(')'))
                {
                    return [.. values];
                }

                var word = ReadWord().TrimEnd('L');
                if (!long.TryParse(word, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var value))
                {
                    throw Malformed(path, $"its shape holds '{word}', not an integer");
                }

                values.Add(value);
                SkipSpaces();
                if (TryConsume(')'))
                {
                    return [.. values];
                }

                Expect(',');
            }
        }

        private string ReadString()
        {
            SkipSpaces();
            var quote = position < text.Length ? text[position] : '\0';
            if (quote is not ('\'' or '"'))
            {
                throw Malformed(path, "its header is not a Python dict of quoted keys");
            }

            var end = text.IndexOf(quote, position + 1);
            if (end < 0)
            {
                throw Malformed(path, "its header has a string that never ends");
            }

            var value = text[(position + 1)..end];
            position = end + 1;
            return value;
        }

        private string ReadWord()
        {
            var start = position;
            while (position < text.Length && (char.IsAsciiLetterOrDigit(text[position]) || text[position] is '-' or '+' or '_'))
            {
                position++;
            }

            return start == position
                ? throw Malformed(path, $"its header has '{(position < text.Length ? text[position] : ' ')}' where a value belongs")
                : text[start..position];
        }

        private void SkipBalanced(char open, char close)
        {
            var depth = 0;
            do
            {
                if (position >= text.Length)
                {
                    throw Malformed(path, $"its header never closes a '{open}'");
                }

                depth += text[position] == open ? 1 : text[position] == close ? -1 : 0;
                position++;
            }
            while (depth > 0);
        }

        private void Expect(char c)
        {
            SkipSpaces();
            if (!TryConsume(c))
            {
                throw Malformed(path, position >= text.Length ? $"its header ends where '{c}' belongs" : $"its header has '{text[position]}' where '{c}' belongs");
            }
        }

        private bool TryConsume(char c)
        {
            if (position < text.Length && text[position] == c)
            {
                position++;
                return true;
            }

            return false;
        }

        private void SkipSpaces()
        {
            while (position < text.Length && char.IsWhiteSpace(text[position]))
            {
                position++;
            }
        }
    }
}
