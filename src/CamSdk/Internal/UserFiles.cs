using System;
using System.Collections.Generic;
using System.IO;

namespace CamSdk.Internal;

/// <summary>
/// Reading the files users name (weights, images, arrays, labels, annotations) exactly as their targets when they are
/// symbolic links (as the Hugging Face hub's cache lays out every model: <c>snapshots/…/model.safetensors</c> links to a
/// blob), with a clear error for a link that leads nowhere or in a circle.
/// </summary>
/// <remarks>
/// A path's metadata describes the link, not the file: <c>new FileInfo(link).Length</c> is the length of the link's own
/// text (8 for a link to <c>real.bin</c>), and <c>File.Exists</c> is true for a link whose target is gone. So sizes come
/// from the opened stream, and every check here looks through links to the final target.
/// </remarks>
internal static class UserFiles
{
    /// <summary>
    /// Checks that <paramref name="path"/> names a file, through any chain of links, and returns the path to open (the
    /// user's own path: the operating system follows its links).
    /// </summary>
    /// <param name="path">The path as the user gave it.</param>
    /// <param name="what">What the file is, for messages (e.g. "weights file", "image").</param>
    /// <param name="error">Makes the reader's exception from a message.</param>
    /// <exception cref="CamException">Missing, a directory, a dangling link or a loop of links; the message names them.</exception>
    internal static string RequireFile(string path, string what, Func<string, CamException> error)
    {
        ArgumentNullException.ThrowIfNull(path);
        var target = Target(path, what, error);
        if (Directory.Exists(target))
        {
            throw error(target == path
                ? $"'{path}' is a directory, not a {what}: give the path of the file inside it."
                : $"'{path}' is a symbolic link to the directory '{target}', not a {what}: give the path of the file inside it.");
        }

        if (!File.Exists(target))
        {
            throw error($"The {what} '{path}' does not exist.");
        }

        return path;
    }

    /// <summary>Opens a user's file for reading, after <see cref="RequireFile"/>; its length is the stream's (the target's).</summary>
    internal static FileStream OpenRead(string path, string what, Func<string, CamException> error)
    {
        RequireFile(path, what, error);
        try
        {
            return File.OpenRead(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw error($"The {what} '{path}' cannot be read: {e.Message}");
        }
    }

    /// <summary>Reads a whole user's file, refusing one longer than <paramref name="maxLength"/> bytes before reading it.</summary>
    internal static byte[] ReadAllBytes(string path, string what, Func<string, CamException> error, long maxLength = int.MaxValue)
    {
        using var stream = OpenRead(path, what, error);
        var length = stream.Length;
        if (length > Math.Min(maxLength, Array.MaxLength))
        {
            throw error($"The {what} '{path}' is {length:N0} bytes, more than the {Math.Min(maxLength, Array.MaxLength):N0} it may have.");
        }

        var bytes = new byte[length];
        stream.ReadExactly(bytes);
        return bytes;
    }

    /// <summary>Reads a user's text file as lines (UTF-8, as <see cref="File.ReadAllLines(string)"/> does).</summary>
    internal static string[] ReadAllLines(string path, string what, Func<string, CamException> error)
    {
        using var stream = OpenRead(path, what, error);
        using var reader = new StreamReader(stream);
        var lines = new List<string>();
        for (var line = reader.ReadLine(); line is not null; line = reader.ReadLine())
        {
            lines.Add(line);
        }

        return [.. lines];
    }

    /// <summary>
    /// Every file under <paramref name="folder"/>, in its subfolders too: links to files are listed as the files they lead to,
    /// links to folders are searched once (a link back to a folder already searched, such as its parent, is not searched
    /// again), and dangling links are left out.
    /// </summary>
    internal static IEnumerable<string> FilesUnder(string folder)
    {
        var visited = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<(string Path, string Real)>();
        pending.Push((folder, RealPath(folder, Path.GetFullPath(folder))));
        while (pending.Count > 0)
        {
            var (path, real) = pending.Pop();
            if (!visited.Add(real))
            {
                continue;
            }

            IEnumerable<string> entries;
            try
            {
                entries = Directory.EnumerateFileSystemEntries(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue; // an unreadable folder (or a loop the system noticed first) holds nothing to explain
            }

            var folders = new List<(string, string)>();
            foreach (var entry in entries)
            {
                if (Directory.Exists(entry))
                {
                    folders.Add((entry, RealPath(entry, Path.Combine(real, Path.GetFileName(entry)))));
                }
                else if (File.Exists(entry) && !IsBrokenLink(entry))
                {
                    yield return entry;
                }
            }

            // Depth first, in name order.
            folders.Sort((a, b) => StringComparer.Ordinal.Compare(b.Item1, a.Item1));
            foreach (var sub in folders)
            {
                pending.Push(sub);
            }
        }
    }

    /// <summary>The final target of a path that may be a link (the path itself when it is none); throws for a dangling link or a loop.</summary>
    private static string Target(string path, string what, Func<string, CamException> error)
    {
        var info = new FileInfo(path);
        if (info.LinkTarget is not { } linkTarget)
        {
            return path;
        }

        FileSystemInfo? final;
        try
        {
            final = info.ResolveLinkTarget(returnFinalTarget: true);
        }
        catch (IOException e)
        {
            throw error($"The {what} '{path}' is a symbolic link to '{linkTarget}' that leads back to itself (a loop of links: {e.Message.TrimEnd('.')}). Point the link at the real file.");
        }

        if (final is null || !final.Exists)
        {
            throw error($"The {what} '{path}' is a symbolic link to '{linkTarget}'{(final is null || final.FullName == linkTarget ? "" : $" ({final.FullName})")}, which does not exist: the link is dangling. Point it at the real file, or give the file's own path.");
        }

        return final.FullName;
    }

    private static bool IsBrokenLink(string path)
    {
        var info = new FileInfo(path);
        if (info.LinkTarget is null)
        {
            return false;
        }

        try
        {
            return info.ResolveLinkTarget(returnFinalTarget: true) is not { Exists: true };
        }
        catch (IOException)
        {
            return true;
        }
    }

    /// <summary>A folder's real location: its link's final target, or <paramref name="lexical"/> (its parent's real location and its name).</summary>
    private static string RealPath(string path, string lexical)
    {
        try
        {
            return new DirectoryInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? lexical;
        }
        catch (IOException)
        {
            return lexical;
        }
    }
}
