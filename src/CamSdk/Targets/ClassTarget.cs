using System.Collections.Generic;
using System.Linq;
using CamSdk.Internal;
using TorchSharp;

namespace CamSdk.Targets;

/// <summary>Explains given classes: one for the whole batch, or one per image.</summary>
internal sealed class ClassTarget : CamTarget
{
    private readonly int[] _classIndices;
    private readonly bool _broadcast;

    internal ClassTarget(int[] classIndices, bool broadcast)
    {
        _classIndices = classIndices;
        _broadcast = broadcast;
    }

    public override bool UsesClassScores => true;

    public override bool ReadsOwnRowOnly => true;

    public override torch.Tensor ScoreOutput(torch.Tensor output)
    {
        var classes = ClassesFor(output);
        if (_broadcast)
        {
            // One class for every row: a column of the output, with no index tensor to copy to the output's device (Score-CAM
            // and Ablation-CAM score each image's masked batches this way, hundreds of times per image).
            return output.select(1, classes[0]);
        }

        using var index = torch.tensor(classes.Select(c => (long)c).ToArray(), device: output.device).unsqueeze(1);
        return output.gather(1, index).squeeze(1);
    }

    public override IReadOnlyList<int> ClassesOf(torch.Tensor output) => ClassesFor(output);

    public override CamTarget ForImage(int image) => _broadcast ? this : new ClassTarget([_classIndices[image]], broadcast: true);

    public override string ToString() => _broadcast ? $"class {_classIndices[0]}" : $"classes [{string.Join(", ", _classIndices)}]";

    private int[] ClassesFor(torch.Tensor output)
    {
        var classCount = RequireLogits(output, "A class target");
        var batchSize = output.shape[0];
        if (!_broadcast && _classIndices.Length != batchSize)
        {
            throw new CamTargetException(
                $"{_classIndices.Length} class indices were given for a batch of {batchSize} images. " +
                "Give exactly one class index per image, or use CamTarget.Class(index) for the same class for all.");
        }

        var classes = _broadcast ? Enumerable.Repeat(_classIndices[0], (int)batchSize).ToArray() : _classIndices;
        foreach (var c in classes)
        {
            if (c < 0 || c >= classCount)
            {
                throw new CamTargetException(
                    $"Class index {c} is out of range: the model has {classCount} classes, so valid indices are 0 to {classCount - 1}.");
            }
        }

        return classes;
    }
}
