using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace CamSdk.Models;

/// <summary>torchvision's <c>_DenseBlock</c>: layers <c>denselayer1</c>… each fed the concatenation of the block's input and every earlier layer's output.</summary>
internal sealed class DenseBlock : nn.Module<Tensor, Tensor>
{
    private readonly DenseLayer[] _layers;

    internal DenseBlock(int layers, long inputFeatures, long bottleneckSize, long growthRate) : base("DenseBlock")
    {
        _layers = [.. Enumerable.Range(0, layers).Select(i => new DenseLayer(inputFeatures + (i * growthRate), growthRate, bottleneckSize))];
        for (int i = 0; i < _layers.Length; i++)
        {
            register_module($"denselayer{i + 1}", _layers[i]);
        }
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var features = new List<Tensor> { input };
        foreach (var layer in _layers)
        {
            features.Add(layer.call(features.Count == 1 ? input : cat(features, 1)));
        }

        return cat(features, 1).MoveToOuterDisposeScope();
    }
}
