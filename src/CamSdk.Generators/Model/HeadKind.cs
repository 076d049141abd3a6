namespace CamSdk.Generators.Model;

/// <summary>What a model's [ClassHead] says about its classes.</summary>
internal enum HeadKind
{
    /// <summary>No [ClassHead], or one without a count: the count is known at run time only.</summary>
    Unknown,

    /// <summary>A labels enum.</summary>
    Labels,

    /// <summary>A number of classes.</summary>
    Count,
}
