namespace CamSdk.Evaluation;

/// <summary>What removed pixels become in the deletion and insertion metrics (Petsiuk et al., RISE).</summary>
public enum PerturbationBaseline
{
    /// <summary>The image blurred with RISE's kernel (<c>gkern(11, 5)</c>: an 11 × 11 Gaussian of σ = 5); RISE's substrate for insertion.</summary>
    Blur,

    /// <summary>Zeros of the model's input (after normalisation); RISE's substrate for deletion.</summary>
    Zero,

    /// <summary>Each channel's mean over the image.</summary>
    Mean,
}
