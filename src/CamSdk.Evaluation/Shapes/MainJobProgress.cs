namespace CamSdk.Shapes;

/// <summary>Where <see cref="ShapesMainJob.Run"/> stands: one task of the job (a training, a stage of a check) and its progress.</summary>
/// <param name="Task">The task's key: <c>training</c>, <c>training-shuffled</c>, <c>training-watermarked</c>, then the evaluation's and the checks' stages (<c>localisation</c>, <c>discrimination</c>, <c>original</c>, <c>cascading</c>, <c>independent</c>, <c>labels</c>, <c>faithfulness</c>, <c>shortcut</c>).</param>
/// <param name="Completed">Steps (training) or images (the other tasks) done.</param>
/// <param name="Total">Steps or images in all.</param>
/// <param name="Description">The task in words, with its latest figures (a training's epoch, loss and accuracy).</param>
public readonly record struct MainJobProgress(string Task, long Completed, long Total, string Description);
