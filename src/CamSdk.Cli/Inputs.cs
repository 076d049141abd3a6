using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using CamSdk.Internal;
using CamSdk.Imaging;
using Microsoft.Extensions.FileSystemGlobbing;
using Microsoft.Extensions.FileSystemGlobbing.Abstractions;
using TorchSharp;

namespace CamSdk.Cli;

/// <summary>One thing to explain: an image file, or a preprocessed .npy batch.</summary>
/// <param name="Name">The output files' stem.</param>
/// <param name="Source">The file it comes from.</param>
/// <param name="Load">Reads it: the normalised N×3×H×W batch and the picture of each image as the model sees it.</param>
/// <param name="ImageName">The output stem of image n of the batch.</param>
internal sealed record Input(string Name, string Source, Func<(torch.Tensor Batch, RgbImage[] Pictures)> Load, Func<int, string> ImageName);

/// <summary>Finds the inputs of a run.</summary>
internal static class Inputs
{
    private static readonly string[] ImageExtensions = [".png", ".jpg", ".jpeg", ".bmp", ".webp"];

    internal static IReadOnlyList<Input> List(ExplainSettings settings, Terminal terminal)
    {
        if (settings.InputNpy is { } npy)
        {
            UserFiles.RequireFile(npy, ".npy file", static m => new CamException($"--input-npy: {m}"));

            var stem = Path.GetFileNameWithoutExtension(npy);
            return [new Input(stem, npy, () => LoadNpy(npy), n => $"{stem}-{n}")];
        }

        var files = ImageFiles(settings.Image, terminal);
        var preprocessor = Preprocessor(settings.Resize, settings.Crop);
        var names = UniqueNames(files);
        return [.. files.Select((file, i) => new Input(names[i], file, () => LoadImage(file, preprocessor), _ => names[i]))];
    }

    /// <summary>torchvision's Resize(--resize) then CenterCrop(--crop), with ImageNet's normalisation.</summary>
    internal static ImagePreprocessor Preprocessor(int resize, int crop) =>
        crop >= 1 && resize >= crop
            ? new ImagePreprocessor { ResizeTo = resize, CropTo = crop }
            : throw new CamException($"--resize ({resize}) must be at least --crop ({crop}), and both positive.");

    /// <summary>
    /// The image files that paths name: files as given, folders' images searched recursively, and globs such as
    /// <c>photos/**/*.jpg</c>, each in path order. A file named twice is explained once (with a warning), so that its
    /// outputs are not written twice.
    /// </summary>
    internal static IReadOnlyList<string> ImageFiles(IEnumerable<string> paths, Terminal? terminal = null)
    {
        var files = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var path in paths)
        {
            IEnumerable<string> found;
            if (Directory.Exists(path))
            {
                // Links to files count as the files; links to folders are searched once, never round a loop.
                found = UserFiles.FilesUnder(path)
                    .Where(f => ImageExtensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
                    .Order(StringComparer.Ordinal)
                    .ToList();
                if (!found.Any())
                {
                    throw new CamException($"The folder '{path}' has no image ({string.Join(", ", ImageExtensions)}), in it or in its subfolders.");
                }
            }
            else if (File.Exists(path))
            {
                found = [path];
            }
            else if (path.IndexOfAny(['*', '?']) >= 0)
            {
                found = Glob(path);
            }
            else
            {
                throw new CamException($"The image '{path}' does not exist (neither a file nor a folder).");
            }

            foreach (var file in found)
            {
                if (seen.Add(Path.GetFullPath(file)))
                {
                    files.Add(file);
                }
                else
                {
                    terminal?.Warn($"'{file}' is given more than once: it is explained once.");
                }
            }
        }

        return files;
    }

    /// <summary>The files a glob matches: the folder before its first wildcard, searched with the rest of the pattern.</summary>
    private static List<string> Glob(string pattern)
    {
        var segments = pattern.Replace('\\', '/').Split('/');
        var wild = Array.FindIndex(segments, s => s.IndexOfAny(['*', '?']) >= 0);
        var root = string.Join('/', segments[..wild]);
        root = root.Length == 0 ? (pattern.StartsWith('/') ? "/" : ".") : root;
        if (!Directory.Exists(root))
        {
            throw new CamException($"The pattern '{pattern}' starts in the folder '{root}', which does not exist.");
        }

        var matcher = new Matcher(StringComparison.Ordinal);
        matcher.AddInclude(string.Join('/', segments[wild..]));
        var matched = matcher.Execute(new DirectoryInfoWrapper(new DirectoryInfo(root))).Files
            .Select(f => root == "." ? f.Path : Path.Combine(root, f.Path))
            .Order(StringComparer.Ordinal)
            .ToList();
        return matched.Count > 0
            ? matched
            : throw new CamException($"The pattern '{pattern}' matches no file. Quote it ('photos/**/*.jpg') so that the shell does not expand it, and check the folder.");
    }

    /// <summary>
    /// Output stems: the file name without extension; with it where two files would collide; and a number after it
    /// where files of the same name come from different folders.
    /// </summary>
    internal static string[] UniqueNames(IReadOnlyList<string> files)
    {
        var stems = files.Select(f => Path.GetFileNameWithoutExtension(f)).ToList();
        var names = files.Select((f, i) => stems.Count(s => s == stems[i]) > 1 ? Path.GetFileName(f) : stems[i]).ToArray();
        var used = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < names.Length; i++)
        {
            var name = names[i];
            for (var k = 2; !used.Add(name); k++)
            {
                name = $"{names[i]}-{k}";
            }

            names[i] = name;
        }

        return names;
    }

    internal static (torch.Tensor, RgbImage[]) LoadImage(string path, ImagePreprocessor preprocessor)
    {
        // Decoded once, resized once: the batch and the picture the overlays are drawn on come from the same resizing.
        var (batch, pictures) = preprocessor.ToBatchAndPictures([RgbImage.Load(path)]);
        return (batch, [.. pictures]);
    }

    /// <summary>A batch already normalised with ImageNet's statistics; its pictures undo that normalisation.</summary>
    private static (torch.Tensor, RgbImage[]) LoadNpy(string path)
    {
        var batch = Npy.Read(path);
        if (batch.dim() != 4 || batch.shape[1] != 3)
        {
            throw new CamException($"'{path}' holds an array of shape [{string.Join(", ", batch.shape)}]; --input-npy takes an N×3×H×W float32 batch.");
        }

        var preprocessor = ImagePreprocessor.ImageNet;
        using var scope = torch.NewDisposeScope();
        var mean = torch.tensor(preprocessor.Mean.ToArray()).reshape(3, 1, 1);
        var std = torch.tensor(preprocessor.Std.ToArray()).reshape(3, 1, 1);
        // Held, not converted implicitly: TorchSharp does not keep a temporary Scalar alive through the native call.
        using var one = 1.ToScalar();
        var pictures = Enumerable.Range(0, (int)batch.shape[0]).Select(n => RgbImage.FromTensor((batch[n] * std).add(mean, one))).ToArray();
        return (batch, pictures);
    }
}
