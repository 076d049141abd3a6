using System;
using System.Collections.Generic;
using CamSdk.Imaging;

namespace CamSdk.Evaluation;

/// <summary>
/// An image to evaluate explanations on, with its objects' classes and boxes. Its pixels are either held, or decoded
/// each time they are asked for (<see cref="Deferred"/>, as <see cref="EvaluationFolder"/> makes them), so that a large
/// dataset, or a shard of one, holds only the images it is working on.
/// </summary>
public sealed record EvaluationImage
{
    private readonly RgbImage? _image;
    private readonly Func<RgbImage>? _load;

    /// <summary>An image whose pixels are held.</summary>
    /// <param name="name">A name to show in reports (a file name, or the dataset's index).</param>
    /// <param name="image">The image, as the model sees it before normalisation (boxes are in its pixels).</param>
    /// <param name="objects">The objects: one for localisation, two of different classes for class discrimination.</param>
    public EvaluationImage(string name, RgbImage image, IReadOnlyList<GroundTruthObject> objects)
    {
        ArgumentNullException.ThrowIfNull(image);
        (Name, _image, Objects, Width, Height) = (name, image, objects, image.Width, image.Height);
    }

    private EvaluationImage(string name, int width, int height, Func<RgbImage> load, IReadOnlyList<GroundTruthObject> objects) =>
        (Name, _load, Objects, Width, Height) = (name, load, objects, width, height);

    /// <summary>A name to show in reports (a file name, or the dataset's index).</summary>
    public string Name { get; init; }

    /// <summary>The image, as the model sees it before normalisation (boxes are in its pixels); decoded on each access when deferred.</summary>
    /// <exception cref="CamImageException">A deferred image decodes to another size than it declared.</exception>
    public RgbImage Image => _image ?? Decode();

    /// <summary>The image's width in pixels, known without decoding it.</summary>
    public int Width { get; }

    /// <summary>The image's height in pixels, known without decoding it.</summary>
    public int Height { get; }

    /// <summary>The objects: one for localisation, two of different classes for class discrimination.</summary>
    public IReadOnlyList<GroundTruthObject> Objects { get; init; }

    /// <summary>An image decoded by <paramref name="load"/> each time its pixels are asked for, and not held.</summary>
    /// <param name="name">A name to show in reports.</param>
    /// <param name="width">Its width, as its header gives it.</param>
    /// <param name="height">Its height.</param>
    /// <param name="load">Decodes it.</param>
    /// <param name="objects">Its objects.</param>
    /// <returns>The image.</returns>
    public static EvaluationImage Deferred(string name, int width, int height, Func<RgbImage> load, IReadOnlyList<GroundTruthObject> objects)
    {
        ArgumentNullException.ThrowIfNull(load);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        return new EvaluationImage(name, width, height, load, objects);
    }

    private RgbImage Decode()
    {
        var image = _load!();
        return image.Width == Width && image.Height == Height
            ? image
            : throw new CamImageException($"'{Name}' decodes to {image.Width}×{image.Height} but its header said {Width}×{Height}: the file changed or is damaged.");
    }
}
