using System.Collections.Generic;

namespace CamSdk.Evaluation;

/// <summary>How an evaluated model was trained, for a report.</summary>
/// <param name="Description">One sentence: the data, the optimiser, the epochs.</param>
/// <param name="EpochLosses">The mean training loss of each epoch.</param>
/// <param name="EpochAccuracies">The training accuracy of each epoch.</param>
/// <param name="HeldOutAccuracy">The accuracy on held-out images.</param>
/// <param name="HeldOutImages">How many held-out images.</param>
/// <param name="Seconds">The training's wall time.</param>
/// <param name="FromCache">True when this run loaded cached weights instead of training.</param>
public sealed record TrainingRecord(
    string Description,
    IReadOnlyList<double> EpochLosses,
    IReadOnlyList<double> EpochAccuracies,
    double HeldOutAccuracy,
    int HeldOutImages,
    double Seconds,
    bool FromCache);
