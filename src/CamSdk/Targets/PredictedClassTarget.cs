using System.Collections.Generic;
using System.Linq;
using TorchSharp;

namespace CamSdk.Targets;

/// <summary>Explains, for each image, the class the model scores highest.</summary>
internal sealed class PredictedClassTarget : CamTarget
{
    public override bool UsesClassScores => true;

    public override bool ReadsOwnRowOnly => true;

    public override torch.Tensor ScoreOutput(torch.Tensor output)
    {
        RequireLogits(output, "The predicted-class target");
        using var indices = output.detach().argmax(1).unsqueeze(1);
        return output.gather(1, indices).squeeze(1);
    }

    public override IReadOnlyList<int> ClassesOf(torch.Tensor output)
    {
        RequireLogits(output, "The predicted-class target");
        using var indices = output.detach().argmax(1);
        using var onHost = indices.cpu();
        return [.. onHost.data<long>().Select(i => (int)i)];
    }

    /// <summary>Once a pass has predicted, re-scoring (Score-CAM, Ablation-CAM, Guided Grad-CAM's guided pass) explains those classes.</summary>
    internal override CamTarget Fixed(int[]? classes) => classes is null ? this : Classes(classes);

    public override string ToString() => "predicted class";
}
