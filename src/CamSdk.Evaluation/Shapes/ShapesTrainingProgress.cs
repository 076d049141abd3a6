namespace CamSdk.Shapes;

/// <summary>Where training stands: reported after every optimisation step.</summary>
/// <param name="Epoch">The current epoch, from 1.</param>
/// <param name="Epochs">The number of epochs.</param>
/// <param name="Step">Steps done, over all epochs.</param>
/// <param name="Steps">Steps in all.</param>
/// <param name="Loss">The mean cross-entropy over the current epoch's steps so far.</param>
/// <param name="Accuracy">The share of the current epoch's training images classified right so far (in training mode).</param>
public readonly record struct ShapesTrainingProgress(int Epoch, int Epochs, int Step, int Steps, double Loss, double Accuracy);
