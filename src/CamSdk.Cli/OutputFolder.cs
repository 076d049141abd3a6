using System;
using System.IO;

namespace CamSdk.Cli;

/// <summary>The --out folder, checked before any model is loaded, so that a typo costs a second, not a run.</summary>
internal static class OutputFolder
{
    /// <summary>Creates the folder if needed and proves that a file can be written in it.</summary>
    /// <exception cref="CamException">It is a file, or cannot be created or written.</exception>
    internal static void Prepare(string path)
    {
        // File.Exists is also true for a link whose target is gone (or a loop): say what it is.
        if (new FileInfo(path).LinkTarget is { } target && !Directory.Exists(path) && !File.Exists(Path.GetFullPath(target, Path.GetDirectoryName(Path.GetFullPath(path))!)))
        {
            throw new CamException($"--out '{path}' is a symbolic link to '{target}', which leads to no folder: create that folder, or give another one.");
        }

        if (File.Exists(path))
        {
            throw new CamException($"--out '{path}' is a file: give a folder to write to (it is created if needed).");
        }

        try
        {
            Directory.CreateDirectory(path);
            var probe = Path.Combine(path, $".camsdk-write-test-{Environment.ProcessId}");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            throw new CamException($"--out '{path}' cannot be written: {e.Message} Give a folder you can write to.", e);
        }
    }
}
