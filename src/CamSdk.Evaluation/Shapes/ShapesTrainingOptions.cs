using System;
using System.Globalization;

namespace CamSdk.Shapes;

/// <summary>How <see cref="ShapesNetTrainer"/> trains a <see cref="ShapesNet"/> on <see cref="SyntheticShapes"/>.</summary>
public sealed record ShapesTrainingOptions
{
    /// <summary>The seed of the dataset, of the initial weights and of the batches' order.</summary>
    public int Seed { get; init; } = 2017;

    /// <summary>The images' side in pixels, 64 to 128.</summary>
    public int ImageSize { get; init; } = 64;

    /// <summary>Training images: one-object images 0 to <c>TrainingImages − 1</c> of the dataset.</summary>
    public int TrainingImages { get; init; } = 16_000;

    /// <summary>Passes over the training images.</summary>
    public int Epochs { get; init; } = 3;

    /// <summary>Images per optimisation step.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Adam's learning rate (decayed to zero along a cosine over the training).</summary>
    public double LearningRate { get; init; } = 0.0015;

    /// <summary>Held-out images on which accuracy is measured after training, from <see cref="SyntheticShapes.HeldOutStart"/> on.</summary>
    public int HeldOutImages { get; init; } = 1_000;

    /// <summary>Where trained weights are cached; null for the user's cache folder (<c>$XDG_CACHE_HOME/camsdk</c>, else <c>~/.cache/camsdk</c>).</summary>
    public string? CacheDirectory { get; init; }

    /// <summary>
    /// The shortcut variant: the probability (0 to 1) that a training image carries a watermark coding its own class
    /// (<see cref="SyntheticShapes.Watermarked"/>); otherwise the watermark codes one of the other classes. 0 (the default)
    /// trains on images without watermark.
    /// </summary>
    public double Watermark { get; init; }

    /// <summary>
    /// Data randomisation (Adebayo et al.): train on labels randomly permuted over the training images, so the model can only
    /// memorise. Default false.
    /// </summary>
    public bool ShuffleLabels { get; init; }

    /// <summary>Train even when weights for these options are cached (and replace them).</summary>
    public bool Retrain { get; init; }

    /// <summary>
    /// Where to train, and where the network is returned: <c>cpu</c> (the default), <c>cuda</c> or <c>cuda:N</c>
    /// (<see cref="Devices.Resolve"/>). The initial weights are drawn on the CPU either way; a GPU's kernels give other
    /// weights than the CPU's, so they are cached apart.
    /// </summary>
    public string Device { get; init; } = "cpu";

    /// <summary>
    /// What the trained weights depend on, as one line: the network's and the dataset's versions and every option that changes
    /// the result (not <see cref="CacheDirectory"/> or <see cref="Retrain"/>). Its hash names the cache file.
    /// </summary>
    public string Configuration => string.Create(
        CultureInfo.InvariantCulture,
        $"ShapesNet/{ShapesNet.Version};SyntheticShapes/{SyntheticShapes.Version};seed={Seed};size={ImageSize};images={TrainingImages};" +
        $"epochs={Epochs};batch={BatchSize};lr={LearningRate:R};heldout={HeldOutImages}") +
        (Watermark > 0 ? string.Create(CultureInfo.InvariantCulture, $";watermark={Watermark:R}") : "") + (ShuffleLabels ? ";shuffled-labels" : "") +
        (Device.Trim().StartsWith("cuda", StringComparison.OrdinalIgnoreCase) ? ";device=cuda" : "");

    internal void Validate()
    {
        if (ImageSize is < 64 or > 128)
        {
            throw new ArgumentOutOfRangeException(nameof(ImageSize), ImageSize, "The images' side must be 64 to 128 pixels.");
        }

        if (TrainingImages < 1 || Epochs < 1 || BatchSize < 1 || HeldOutImages < 1)
        {
            throw new ArgumentOutOfRangeException(
                nameof(TrainingImages), $"TrainingImages ({TrainingImages}), Epochs ({Epochs}), BatchSize ({BatchSize}) and HeldOutImages ({HeldOutImages}) must all be at least 1.");
        }

        if (TrainingImages > SyntheticShapes.HeldOutStart || HeldOutImages > int.MaxValue - SyntheticShapes.HeldOutStart)
        {
            throw new ArgumentOutOfRangeException(
                nameof(TrainingImages), $"At most {SyntheticShapes.HeldOutStart:N0} training images: the held-out images start at index {SyntheticShapes.HeldOutStart:N0} and must not be trained on.");
        }

        if (Watermark is < 0 or > 1 || double.IsNaN(Watermark))
        {
            throw new ArgumentOutOfRangeException(nameof(Watermark), Watermark, "The watermark's probability must be 0 to 1.");
        }

        if (string.IsNullOrWhiteSpace(Device) || Device.Trim().Equals("auto", StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException($"Device must name a device (cpu, cuda or cuda:N; got '{Device}'): resolve 'auto' with Devices.Resolve first.", nameof(Device));
        }

        if (!(LearningRate > 0) || double.IsInfinity(LearningRate))
        {
            throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "The learning rate must be a positive finite number.");
        }
    }
}
