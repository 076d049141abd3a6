using System;
using System.Collections.Generic;
using CamSdk.Imaging;

namespace CamSdk.Interactive;

/// <summary>
/// Images with their explanations, to show in a notebook: per image, the image and every method's overlay side by side,
/// each with the method's name, the explained class and its score, and the box around the map's largest segment.
/// (A <see cref="CamResult"/> alone holds no image: it shows its heatmaps.)
/// </summary>
/// <param name="Images">The images as the model saw them (<see cref="ImagePreprocessor.ToBatchAndPictures"/> gives them), one per row of the results.</param>
/// <param name="Results">The explanations: one result per method, every result over the same images.</param>
public sealed record ExplainedImages(IReadOnlyList<RgbImage> Images, IReadOnlyList<CamResult> Results)
{
    /// <summary>Checks that every result explains as many images as given.</summary>
    /// <exception cref="ArgumentException">A result over another number of images.</exception>
    public IReadOnlyList<CamResult> Results { get; } = Check(Images, Results);

    private static IReadOnlyList<CamResult> Check(IReadOnlyList<RgbImage> images, IReadOnlyList<CamResult> results)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(results);
        foreach (var result in results)
        {
            if (result.Count != images.Count)
            {
                throw new ArgumentException($"{result.MethodName} explains {result.Count} image(s) but {images.Count} were given: give the images of the explained batch, in its order.", nameof(results));
            }
        }

        return results;
    }
}
