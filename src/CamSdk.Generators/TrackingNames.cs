namespace CamSdk.Generators;

/// <summary>The names of the generator's tracked pipeline steps (tests check that they stay cached).</summary>
public static class TrackingNames
{
    /// <summary>Each annotated member's model, parsed.</summary>
    public const string Models = nameof(Models);

    /// <summary>The valid models, one per class.</summary>
    public const string DistinctModels = nameof(DistinctModels);
}
