using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using CamSdk.Imaging;
using CamSdk.Internal;
using CamSdk.Localization;

namespace CamSdk.Evaluation;

/// <summary>
/// Reads a dataset folder for evaluation: images plus <c>annotations.csv</c>, whose header is
/// <c>file,label,left,top,right,bottom</c> and which has one row per object.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><c>file</c>: the image's path relative to the folder (PNG, JPEG, BMP or WebP), without commas.</item>
/// <item><c>label</c>: the class, as its index or as one of the class names (case-insensitive).</item>
/// <item><c>left,top,right,bottom</c>: the object's box in the image's pixels, edges inclusive (0-based columns and rows).</item>
/// </list>
/// An image with one row is used for localisation; an image with two rows of different classes for class discrimination.
/// Images are evaluated at their own size, so all of them must be the same size (the model's input size). Images are
/// listed by file name (ordinal order); their sizes are read from their headers, and their pixels decoded only when an
/// evaluation reaches them (<see cref="EvaluationImage.Deferred"/>), so a shard of a large dataset decodes only its part.
/// </remarks>
public static class EvaluationFolder
{
    /// <summary>The annotations file's name.</summary>
    public const string AnnotationsFile = "annotations.csv";

    /// <summary>The annotations file's header.</summary>
    public const string Header = "file,label,left,top,right,bottom";

    /// <summary>Reads a dataset folder.</summary>
    /// <param name="folder">The folder holding <c>annotations.csv</c> and the images.</param>
    /// <param name="classNames">The class names, indexed by class; labels may be given as these names.</param>
    /// <returns>The images, split into one-object and two-object images.</returns>
    /// <exception cref="CamImageException">The folder, the annotations or an image is missing or malformed; the message names the file and line.</exception>
    public static EvaluationSet Load(string folder, IReadOnlyList<string> classNames)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        ArgumentNullException.ThrowIfNull(classNames);
        var path = Path.Combine(folder, AnnotationsFile);
        if (!File.Exists(path))
        {
            throw new CamImageException($"'{path}' does not exist. A dataset folder holds the images and {AnnotationsFile} with the header '{Header}' and one row per object.");
        }

        var lines = UserFiles.ReadAllLines(path, "annotations file", static m => new CamImageException(m));
        if (lines.Length == 0 || !string.Equals(lines[0].Trim().Replace(" ", "", StringComparison.Ordinal), Header, StringComparison.OrdinalIgnoreCase))
        {
            throw new CamImageException($"'{path}' must start with the header '{Header}'.");
        }

        var objects = new Dictionary<string, List<GroundTruthObject>>(StringComparer.Ordinal);
        for (var line = 1; line < lines.Length; line++)
        {
            if (string.IsNullOrWhiteSpace(lines[line]))
            {
                continue;
            }

            var fields = lines[line].Split(',').Select(f => f.Trim()).ToArray();
            var where = $"{path}, line {line + 1}";
            if (fields.Length != 6)
            {
                throw new CamImageException($"{where}: expected 6 fields ({Header}), found {fields.Length}.");
            }

            var label = Label(fields[1], classNames, where);
            var edges = fields[2..].Select(f => int.TryParse(f, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : throw new CamImageException($"{where}: '{f}' is not a whole number of pixels.")).ToArray();
            if (edges[0] < 0 || edges[1] < 0 || edges[2] < edges[0] || edges[3] < edges[1])
            {
                throw new CamImageException($"{where}: the box ({string.Join(", ", edges)}) needs 0 ≤ left ≤ right and 0 ≤ top ≤ bottom.");
            }

            if (!objects.TryGetValue(fields[0], out var list))
            {
                objects[fields[0]] = list = [];
            }

            list.Add(new GroundTruthObject(label, new BoundingBox(edges[0], edges[1], edges[2], edges[3])));
        }

        var (single, pairs) = (new List<EvaluationImage>(), new List<EvaluationImage>());
        (int Width, int Height)? size = null;
        // In the file names' ordinal order, whatever the rows' order: the stable order shards split (docs/scale-out.md).
        foreach (var (file, list) in objects.OrderBy(o => o.Key, StringComparer.Ordinal))
        {
            var imagePath = Path.Combine(folder, file);
            if (!File.Exists(imagePath))
            {
                throw new CamImageException($"{path} names '{file}', which does not exist in {folder}.");
            }

            // The header gives the size; the pixels are decoded when the evaluation reaches the image, and not held.
            var (width, height) = RgbImage.ReadSize(imagePath);
            size ??= (width, height);
            if (size != (width, height))
            {
                throw new CamImageException($"'{file}' is {width}×{height} but the first image is {size.Value.Width}×{size.Value.Height}: images are evaluated at their own size, so all must be the model's input size.");
            }

            if (list.Any(o => o.Box.Right >= width || o.Box.Bottom >= height))
            {
                throw new CamImageException($"A box of '{file}' reaches outside its {width}×{height} pixels (right must be below the width, bottom below the height).");
            }

            var entry = EvaluationImage.Deferred(file, width, height, () => RgbImage.Load(imagePath), list);
            switch (list.Count)
            {
                case 1:
                    single.Add(entry);
                    break;
                case 2 when list[0].ClassIndex != list[1].ClassIndex:
                    pairs.Add(entry);
                    break;
                default:
                    throw new CamImageException($"'{file}' has {list.Count} objects{(list.Count == 2 ? " of the same class" : "")}: give one object (localisation) or two of different classes (class discrimination).");
            }
        }

        if (single.Count == 0)
        {
            throw new CamImageException($"{path} has no image with exactly one object: localisation needs some.");
        }

        return new EvaluationSet(single, pairs);
    }

    private static int Label(string text, IReadOnlyList<string> classNames, string where)
    {
        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var index))
        {
            return index >= 0 && index < classNames.Count ? index : throw new CamImageException($"{where}: class {index} is out of range 0 to {classNames.Count - 1}.");
        }

        for (var i = 0; i < classNames.Count; i++)
        {
            if (string.Equals(classNames[i], text, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        throw new CamImageException($"{where}: '{text}' is neither a class index nor a class name ({string.Join(", ", classNames.Take(10))}{(classNames.Count > 10 ? ", …" : "")}).");
    }
}
