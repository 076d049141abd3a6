namespace CamSdk.Evaluation;

/// <summary>The score a faithfulness metric watches.</summary>
public enum FaithfulnessScore
{
    /// <summary>The class's softmax probability (RISE; pytorch-grad-cam's <c>ClassifierOutputSoftmaxTarget</c>).</summary>
    Probability,

    /// <summary>The class's pre-softmax score (pytorch-grad-cam's <c>ClassifierOutputTarget</c>).</summary>
    Logit,
}
