using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace CamSdk.Internal;

/// <summary>
/// Says what a pickle (the <c>data.pkl</c> of a <c>torch.save</c> archive) holds without running it: the kind of its
/// top-level object and the Python classes it refers to. It walks the opcodes of protocols 0 to 5 as Python's
/// <c>pickletools</c> lists them, and never builds an object, so any file is safe to inspect.
/// </summary>
internal static class PickleInspector
{
    /// <summary>Classes a state dict is made of: OrderedDict, tensors, storages.</summary>
    private static readonly string[] StateDictModules = ["collections.OrderedDict", "torch._utils.", "torch.", "builtins.set"];

    /// <summary>What a pickle holds.</summary>
    /// <param name="Root">Its top-level object, in words ("a dict", "a list", "a torchvision.models.resnet.ResNet object").</param>
    /// <param name="IsDict">True when the top-level object is a dict or an OrderedDict.</param>
    /// <param name="Classes">The Python classes and functions it refers to, beyond those a state dict uses.</param>
    /// <param name="Complete">False when the walk stopped at bytes that are not a pickle opcode.</param>
    internal sealed record Contents(string Root, bool IsDict, IReadOnlyList<string> Classes, bool Complete)
    {
        /// <summary>True when the pickle is a whole model rather than its state dict.</summary>
        internal bool IsModule => Classes.Any(c => c.StartsWith("torch.nn.modules.", StringComparison.Ordinal) || c.StartsWith("torchvision.models.", StringComparison.Ordinal))
            || Classes.Contains("torch._utils._rebuild_parameter");
    }

    internal static Contents Inspect(ReadOnlySpan<byte> pickle)
    {
        var globals = new List<string>();
        var strings = new List<string>(2);
        string? root = null;
        var isDict = false;
        var position = 0;
        var complete = false;

        while (position < pickle.Length)
        {
            var opcode = pickle[position++];
            string? global = null;
            string? value = null; // what a top-level object made by this opcode would be called
            int skip;
            switch (opcode)
            {
                case 0x80: skip = 1; break;                                    // PROTO
                case 0x95: skip = 8; break;                                    // FRAME
                case (byte)'.': complete = true; position = pickle.Length; continue; // STOP
                case (byte)'(': value = "a tuple"; skip = 0; break;            // MARK (protocol 0/1 containers)
                case (byte)'}': value = "a dict"; skip = 0; break;
                case (byte)']': value = "a list"; skip = 0; break;
                case (byte)')': value = "a tuple"; skip = 0; break;
                case 0x8f: value = "a set"; skip = 0; break;
                case (byte)'N': value = "None"; skip = 0; break;
                case 0x88 or 0x89: value = "a boolean"; skip = 0; break;
                case (byte)'K': value = "a number"; skip = 1; break;
                case (byte)'M': value = "a number"; skip = 2; break;
                case (byte)'J': value = "a number"; skip = 4; break;
                case (byte)'G': value = "a number"; skip = 8; break;
                case 0x8a: value = "a number"; skip = Length(pickle, ref position, 1); break;
                case 0x8b: value = "a number"; skip = Length(pickle, ref position, 4); break;
                case (byte)'F' or (byte)'I' or (byte)'L': value = "a number"; skip = Line(pickle, position); break;
                case (byte)'S' or (byte)'V' or (byte)'P': value = "a string"; skip = Line(pickle, position); Push(strings, pickle, position, skip - 1); break;
                case (byte)'T' or (byte)'X': value = "a string"; skip = Length(pickle, ref position, 4); Push(strings, pickle, position, skip); break;
                case (byte)'U' or 0x8c: value = "a string"; skip = Length(pickle, ref position, 1); Push(strings, pickle, position, skip); break;
                case 0x8d: value = "a string"; skip = Length(pickle, ref position, 8); Push(strings, pickle, position, skip); break;
                case (byte)'B' or 0x8e or 0x96: value = "bytes"; skip = Length(pickle, ref position, opcode == (byte)'B' ? 4 : 8); break;
                case (byte)'C': value = "bytes"; skip = Length(pickle, ref position, 1); break;
                case (byte)'c' or (byte)'i':                                   // GLOBAL, INST: "module\nname\n"
                    var first = Line(pickle, position);
                    var second = first < 0 ? -1 : Line(pickle, position + first);
                    if (second < 0)
                    {
                        return new Contents(root ?? "something that is not a pickle", isDict, Foreign(globals), Complete: false);
                    }

                    global = Encoding.Latin1.GetString(pickle.Slice(position, first - 1)) + "." + Encoding.Latin1.GetString(pickle.Slice(position + first, second - 1));
                    skip = first + second;
                    break;
                case 0x93:                                                     // STACK_GLOBAL: the last two strings
                    global = strings.Count == 2 ? strings[0] + "." + strings[1] : "an unknown class";
                    skip = 0;
                    break;
                case (byte)'h' or (byte)'q' or 0x82: skip = 1; break;          // BINGET, BINPUT, EXT1
                case (byte)'j' or (byte)'r' or 0x84: skip = 4; break;          // LONG_BINGET, LONG_BINPUT, EXT4
                case 0x83: skip = 2; break;                                    // EXT2
                case (byte)'g' or (byte)'p': skip = Line(pickle, position); break; // GET, PUT
                case (byte)'0' or (byte)'1' or (byte)'2' or (byte)'Q' or (byte)'R' or (byte)'a' or (byte)'b' or (byte)'d' or (byte)'e'
                    or (byte)'l' or (byte)'o' or (byte)'s' or (byte)'t' or (byte)'u' or 0x81 or 0x85 or 0x86 or 0x87
                    or 0x90 or 0x91 or 0x92 or 0x94 or 0x97 or 0x98:
                    skip = 0; break;
                default:
                    return new Contents(root ?? "something that is not a pickle", isDict, Foreign(globals), Complete: false);
            }

            if (skip < 0 || position + skip > pickle.Length)
            {
                break;
            }

            if (global is not null)
            {
                globals.Add(global);
                value = global == "collections.OrderedDict" ? "an OrderedDict" : $"a {global} object";
            }

            if (root is null && value is not null)
            {
                root = value;
                isDict = value is "a dict" or "an OrderedDict";
            }

            position += skip;
        }

        return new Contents(root ?? "nothing", isDict, Foreign(globals), complete);
    }

    private static IReadOnlyList<string> Foreign(List<string> globals) =>
        [.. globals.Distinct(StringComparer.Ordinal).Where(g => g == "torch._utils._rebuild_parameter" || !StateDictModules.Any(m => g.StartsWith(m, StringComparison.Ordinal)) || g.StartsWith("torch.nn.", StringComparison.Ordinal))];

    /// <summary>Reads a little-endian length of 1, 4 or 8 bytes; -1 when it is past the end or absurd.</summary>
    private static int Length(ReadOnlySpan<byte> pickle, ref int position, int bytes)
    {
        if (position + bytes > pickle.Length)
        {
            return -1;
        }

        ulong length = 0;
        for (int i = bytes - 1; i >= 0; i--)
        {
            length = (length << 8) | pickle[position + i];
        }

        position += bytes;
        return length > int.MaxValue ? -1 : (int)length;
    }

    /// <summary>The length of a newline-terminated argument, newline included; -1 without one.</summary>
    private static int Line(ReadOnlySpan<byte> pickle, int position)
    {
        var end = pickle[position..].IndexOf((byte)'\n');
        return end < 0 ? -1 : end + 1;
    }

    private static void Push(List<string> strings, ReadOnlySpan<byte> pickle, int position, int length)
    {
        if (length < 0 || position + length > pickle.Length || length > 256)
        {
            return;
        }

        if (strings.Count == 2)
        {
            strings.RemoveAt(0);
        }

        strings.Add(Encoding.UTF8.GetString(pickle.Slice(position, length)));
    }
}
