using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using CamSdk.Imaging;
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

    internal static IReadOnlyList<Input> List(ExplainSettings settings)
    {
        if (settings.InputNpy is { } npy)
        {
            if (!File.Exists(npy))
            {
                throw new CamException($"The .npy file '{npy}' does not exist.");
            }

            var stem = Path.GetFileNameWithoutExtension(npy);
            return [new Input(stem, npy, () => LoadNpy(npy), n => $"{stem}-{n}")];
        }

        var files = ImageFiles(settings.Images);

        var preprocessor = Preprocessor(settings.Resize, settings.Crop);

        // Output stems: the file name without extension, or with it where two files would collide.
        var stems = files.Select(f => Path.GetFileNameWithoutExtension(f)).ToList();
        return [.. files.Select((file, i) =>
        {
            var name = stems.Count(s => s == stems[i]) > 1 ? Path.GetFileName(file) : stems[i];
            return new Input(name, file, () => LoadImage(file, preprocessor), _ => name);
        })];
    }

    /// <summary>torchvision's Resize(--resize) then CenterCrop(--crop), with ImageNet's normalisation.</summary>
    internal static ImagePreprocessor Preprocessor(int resize, int crop) =>
        crop >= 1 && resize >= crop
            ? new ImagePreprocessor { ResizeTo = resize, CropTo = crop }
            : throw new CamException($"--resize ({resize}) must be at least --crop ({crop}), and both positive.");

    /// <summary>The image files that paths name: files as given, folders' images in name order.</summary>
    internal static IReadOnlyList<string> ImageFiles(IEnumerable<string> paths)
    {
        var files = new List<string>();
        foreach (var path in paths)
        {
            if (Directory.Exists(path))
            {
                var found = Directory.EnumerateFiles(path)
                    .Where(f => ImageExtensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
                    .Order(StringComparer.Ordinal)
                    .ToList();
                if (found.Count == 0)
                {
                    throw new CamException($"The folder '{path}' has no image ({string.Join(", ", ImageExtensions)}).");
                }

                files.AddRange(found);
            }
            else if (File.Exists(path))
            {
                files.Add(path);
            }
            else
            {
                throw new CamException($"The image '{path}' does not exist (neither a file nor a folder).");
            }
        }

        return files;
    }

    private static (torch.Tensor, RgbImage[]) LoadImage(string path, ImagePreprocessor preprocessor)
    {
        var image = RgbImage.Load(path);
        return (preprocessor.ToTensor(image), [preprocessor.Prepare(image)]);
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
        var pictures = Enumerable.Range(0, (int)batch.shape[0]).Select(n => RgbImage.FromTensor((batch[n] * std) + mean)).ToArray();
        return (batch, pictures);
    }
}
