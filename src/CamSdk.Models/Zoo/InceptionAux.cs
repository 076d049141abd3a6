using TorchSharp;
using static TorchSharp.torch;

namespace CamSdk.Models;

/// <summary>
/// The auxiliary classifiers of GoogLeNet (<c>aux1</c>, <c>aux2</c>: <c>conv</c>, <c>fc1</c>, <c>fc2</c>) and Inception v3
/// (<c>AuxLogits</c>: <c>conv0</c>, <c>conv1</c>, <c>fc</c>): held so that state dicts with them load by name.
/// torchvision uses them only for training losses; CamSdk's models return the main logits only, so these never run.
/// </summary>
internal sealed class InceptionAux : nn.Module<Tensor, Tensor>
{
    private readonly (string Name, nn.Module<Tensor, Tensor> Module)[] _layers;

    private InceptionAux(params (string Name, nn.Module<Tensor, Tensor> Module)[] layers) : base("InceptionAux")
    {
        _layers = layers;
        foreach (var (name, module) in layers)
        {
            register_module(name, module);
        }
    }

    /// <summary>GoogLeNet's: <c>conv</c> (1×1 to 128 after a 4×4 adaptive pooling), <c>fc1</c> (2048 → 1024, ReLU), <c>fc2</c>.</summary>
    internal static InceptionAux GoogLeNet(long input, long numClasses) =>
        new(("conv", new BasicConv2d(input, 128, 1)), ("fc1", nn.Linear(2048, 1024)), ("fc2", nn.Linear(1024, numClasses)));

    /// <summary>Inception v3's: <c>conv0</c> (1×1 to 128 after a 5×5/3 pooling), <c>conv1</c> (5×5 to 768), <c>fc</c>.</summary>
    internal static InceptionAux InceptionV3(long input, long numClasses) =>
        new(("conv0", new BasicConv2d(input, 128, 1)), ("conv1", new BasicConv2d(128, 768, 5)), ("fc", nn.Linear(768, numClasses)));

    /// <summary>The auxiliary logits (torchvision's forward), for completeness: the zoo's models never call it.</summary>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        Tensor x;
        if (_layers[0].Name == "conv")
        {
            x = _layers[0].Module.call(nn.functional.adaptive_avg_pool2d(input, 4)).flatten(1);
            x = _layers[2].Module.call(nn.functional.relu(_layers[1].Module.call(x)));
        }
        else
        {
            x = _layers[1].Module.call(_layers[0].Module.call(nn.functional.avg_pool2d(input, 5, 3)));
            x = _layers[2].Module.call(nn.functional.adaptive_avg_pool2d(x, 1).flatten(1));
        }

        return x.MoveToOuterDisposeScope();
    }
}
