namespace CamSdk.Evaluation;

/// <summary>A readable answer for one method: does its explanation depend on what the model learned?</summary>
/// <param name="MethodKey">The method key.</param>
/// <param name="Passes">True when the maps change with the weights (or labels): the rank correlation after the fullest randomisation is below <see cref="SanityCheck.PassThreshold"/>.</param>
/// <param name="RankCorrelation">The rank correlation (absolute values) the verdict rests on.</param>
/// <param name="Text">The verdict in a sentence.</param>
public sealed record SanityVerdict(string MethodKey, bool Passes, double RankCorrelation, string Text)
{
    /// <summary>Why the method could not be checked (its maps failed at the step the verdict rests on), or null; <see cref="Passes"/> is then false.</summary>
    public string? Failure { get; init; }
}
