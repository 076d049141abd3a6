namespace CamSdk.Evaluation;

/// <summary>The data-randomisation test as a report shows it: the check and how the shuffled-label model was trained.</summary>
/// <param name="Check">The comparison of maps (<see cref="SanityCheck.CompareLabels"/>).</param>
/// <param name="Description">How the shuffled-label model was trained.</param>
/// <param name="TrainingAccuracy">Its accuracy on its (shuffled) training labels in the last epoch: how far it memorised them.</param>
/// <param name="HeldOutAccuracy">Its accuracy on held-out images with true labels (chance, if it learned nothing real).</param>
public sealed record DataRandomization(SanityCheckResult Check, string Description, double TrainingAccuracy, double HeldOutAccuracy);
