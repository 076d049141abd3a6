namespace CamSdk;

/// <summary>The outcome of <see cref="NativeBackend.EnsureCorrectConvolutionGradients"/>.</summary>
public enum ConvolutionCheck
{
    /// <summary>libtorch's float32 convolution gradients agree with float64 ones; nothing was changed.</summary>
    Correct,

    /// <summary>They did not; oneDNN was turned off for this process, and now they agree.</summary>
    CorrectedByDisablingOneDnn,
}
