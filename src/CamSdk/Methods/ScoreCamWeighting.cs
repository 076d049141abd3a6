namespace CamSdk.Methods;

/// <summary>How Score-CAM turns the scores of the masked inputs into channel weights.</summary>
public enum ScoreCamWeighting
{
    /// <summary>
    /// pytorch-grad-cam's: the target score (the logit) of each masked input, softmax-normalised over the channels.
    /// Works with any target.
    /// </summary>
    SoftmaxOverChannels,

    /// <summary>
    /// The paper's authors' code: the softmax probability of the class on each masked input; channels whose upsampled
    /// activation is constant are skipped (weight 0). Needs a class target.
    /// </summary>
    ClassProbability,
}
