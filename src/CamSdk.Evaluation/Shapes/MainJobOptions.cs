using System;
using CamSdk.Models;
using CamSdk.Evaluation;

namespace CamSdk.Shapes;

/// <summary>The sizes of CamSdk's main job (<see cref="ShapesMainJob"/>): its defaults are what the README shows.</summary>
public sealed record MainJobOptions
{
    /// <summary>How the main ShapesNet is trained (and cached); the trust checks' two networks derive from it.</summary>
    public ShapesTrainingOptions Training { get; init; } = new();

    /// <summary>One-object held-out images for localisation and the pointing game. Default 1,000.</summary>
    public int Images { get; init; } = 1_000;

    /// <summary>Two-object held-out images for class discrimination (0: none). Default 200.</summary>
    public int Pairs { get; init; } = 200;

    /// <summary>Images for the sanity checks (model and data randomisation). Default 32.</summary>
    public int SanityImages { get; init; } = 32;

    /// <summary>Images for the faithfulness metrics. Default 32.</summary>
    public int FaithfulnessImages { get; init; } = 32;

    /// <summary>Images for the shortcut study. Default 300.</summary>
    public int ShortcutImages { get; init; } = 300;

    /// <summary>Throws unless every count is valid.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A count is out of range.</exception>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Training);
        Training.Validate();
        ArgumentOutOfRangeException.ThrowIfLessThan(Images, 1, nameof(Images));
        ArgumentOutOfRangeException.ThrowIfNegative(Pairs, nameof(Pairs));
        ArgumentOutOfRangeException.ThrowIfLessThan(SanityImages, 1, nameof(SanityImages));
        ArgumentOutOfRangeException.ThrowIfLessThan(FaithfulnessImages, 1, nameof(FaithfulnessImages));
        ArgumentOutOfRangeException.ThrowIfLessThan(ShortcutImages, 1, nameof(ShortcutImages));
    }
}
