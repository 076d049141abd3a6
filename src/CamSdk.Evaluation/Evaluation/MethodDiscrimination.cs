namespace CamSdk.Evaluation;

/// <summary>
/// One method's class discrimination on two-object images: where each class's map puts its mass, on average over every
/// image and both of its classes.
/// </summary>
/// <param name="MethodKey">The method's key.</param>
/// <param name="OwnBoxShare">The mean share of a class's map mass inside that class's own object box.</param>
/// <param name="OtherBoxShare">The mean share of a class's map mass inside the other object's box.</param>
/// <param name="Maps">How many maps (two per image) the means are over.</param>
public sealed record MethodDiscrimination(string MethodKey, double OwnBoxShare, double OtherBoxShare, int Maps)
{
    /// <summary>The mean share inside the own box minus the mean share inside the other box: near 0 for a method that is not class-discriminative.</summary>
    public double Margin => OwnBoxShare - OtherBoxShare;

    /// <summary>Why the method could not be computed on these images (its figures are then NaN), or null.</summary>
    public string? Failure { get; init; }

    /// <summary>The method's name in reports; its key when not given.</summary>
    public string MethodName { get; init; } = MethodKey;
}
