namespace CamSdk.Evaluation;

/// <summary>Where an evaluation stands: reported after each batch of images.</summary>
/// <param name="Stage">What is being measured: "localisation" or "discrimination".</param>
/// <param name="Completed">Images done in this stage.</param>
/// <param name="Total">Images in this stage.</param>
public readonly record struct EvaluationProgress(string Stage, int Completed, int Total);
