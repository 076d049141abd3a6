using System;

namespace CamSdk.Shapes;

/// <summary>A trained <see cref="ShapesNet"/>, in evaluation mode, with what its training did.</summary>
/// <param name="Model">The network.</param>
/// <param name="Summary">The training's figures.</param>
/// <param name="FromCache">True when the weights were loaded from the cache instead of trained.</param>
/// <param name="WeightsPath">The cached weights (safetensors).</param>
public sealed record TrainedShapesNet(ShapesNet Model, ShapesTrainingSummary Summary, bool FromCache, string WeightsPath) : IDisposable
{
    /// <summary>Disposes the network.</summary>
    public void Dispose() => Model.Dispose();
}
