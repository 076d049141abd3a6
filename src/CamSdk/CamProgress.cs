namespace CamSdk;

/// <summary>How far a method with extra forward passes (Score-CAM, Ablation-CAM) has come.</summary>
/// <param name="Method">The method's name.</param>
/// <param name="Layer">The explained layer.</param>
/// <param name="Completed">The masked or ablated inputs scored so far.</param>
/// <param name="Total">The masked or ablated inputs to score in all.</param>
public readonly record struct CamProgress(string Method, string Layer, int Completed, int Total);
