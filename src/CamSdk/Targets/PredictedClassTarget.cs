using System.Linq;
using TorchSharp;

namespace CamSdk.Targets;

/// <summary>Explains, for each image, the class the model scores highest.</summary>
internal sealed class PredictedClassTarget : CamTarget
{
    internal override (torch.Tensor Scores, int[]? Classes) Select(torch.Tensor output, long batchSize)
    {
        RequireLogits(output, batchSize, "The predicted-class target");
        using var indices = output.detach().argmax(1);
        using var onHost = indices.cpu();
        var classes = onHost.data<long>().Select(i => (int)i).ToArray();
        using var index = indices.unsqueeze(1);
        return (output.gather(1, index).squeeze(1), classes);
    }

    public override string ToString() => "predicted class";
}
