using CamSdk.Localization;

namespace CamSdk.Evaluation;

/// <summary>An object of an evaluated image: its class and its ground-truth box.</summary>
/// <param name="ClassIndex">The class, an index into the model's scores.</param>
/// <param name="Box">The box, in the image's pixels (inclusive edges).</param>
public sealed record GroundTruthObject(int ClassIndex, BoundingBox Box);
