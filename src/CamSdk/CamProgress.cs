namespace CamSdk;

/// <summary>
/// How far long work has come, the one progress type of CamSdk: a method's extra forward passes (Score-CAM,
/// Ablation-CAM), an evaluation's batches, a check's stages, a training's steps.
/// </summary>
/// <param name="Stage">What is under way: a method's name (<c>ScoreCAM</c>), an evaluation stage (<c>localisation</c>,
/// <c>cascading</c>, <c>faithfulness</c>…), <c>training</c>, or a task of the main job.</param>
/// <param name="Completed">The steps done: inputs scored, images explained, optimisation steps.</param>
/// <param name="Total">The steps in all.</param>
/// <param name="Detail">More in words, or null: the layer a method explains, a training's epoch, loss and accuracy.</param>
public readonly record struct CamProgress(string Stage, long Completed, long Total, string? Detail = null);
