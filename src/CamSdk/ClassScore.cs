namespace CamSdk;

/// <summary>One class of one image, as the model scored it in an explanation's own forward pass.</summary>
/// <param name="ClassIndex">The zero-based class.</param>
/// <param name="Score">The class score (the logit, before the softmax).</param>
/// <param name="Probability">The softmax probability over the image's class scores.</param>
/// <param name="Label">The class's label, when the explainer has labels; otherwise null.</param>
public readonly record struct ClassScore(int ClassIndex, float Score, float Probability, string? Label);
