using System.Collections.Generic;

namespace CamSdk.Shapes;

/// <summary>What a training run did and how well the network does on held-out images; cached with the weights.</summary>
/// <param name="Configuration">The options' <see cref="ShapesTrainingOptions.Configuration"/>.</param>
/// <param name="EpochLosses">The mean training loss of each epoch.</param>
/// <param name="EpochAccuracies">The training accuracy of each epoch (in training mode).</param>
/// <param name="HeldOutAccuracy">The accuracy on the held-out images, in evaluation mode.</param>
/// <param name="HeldOutImages">How many held-out images that accuracy is over.</param>
/// <param name="TrainingSeconds">The training's wall time, in seconds (of the run that trained, also when loaded from the cache).</param>
/// <param name="Parameters">The network's number of parameters.</param>
public sealed record ShapesTrainingSummary(
    string Configuration,
    IReadOnlyList<double> EpochLosses,
    IReadOnlyList<double> EpochAccuracies,
    double HeldOutAccuracy,
    int HeldOutImages,
    double TrainingSeconds,
    long Parameters);
