using System;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CamSdk.Models;

/// <summary>
/// torchvision's Vision Transformer (ViT B/16, B/32, L/16, L/32 at 224×224) with the module names of its
/// <c>state_dict</c>. Its default layer is the last encoder block's first layer norm, whose N×T×D tokens are laid out
/// on the patch grid without the class token (14×14 or 7×7), as pytorch-grad-cam's ViT tutorial does; its
/// activations are GELU, so Guided Backpropagation, defined for ReLUs, does not apply.
/// </summary>
[ClassHead]
public sealed partial class VisionTransformer : nn.Module<Tensor, Tensor>, IExplainableModel
{
    private static readonly (string Name, int Patch, int Layers, int Heads, int Hidden, int Mlp)[] Sizes =
    [
        ("vit_b_16", 16, 12, 12, 768, 3072),
        ("vit_b_32", 32, 12, 12, 768, 3072),
        ("vit_l_16", 16, 24, 16, 1024, 4096),
        ("vit_l_32", 32, 24, 16, 1024, 4096),
    ];

    private readonly Conv2d conv_proj;
    private readonly Parameter class_token;
    private readonly TransformerEncoder encoder;
    private readonly Sequential heads;
    private readonly int _patch;
    private readonly int _hidden;

    private VisionTransformer(string name, int numClasses) : base(name)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(numClasses, 1);
        Architecture = name;
        ClassCount = numClasses;
        var size = Array.Find(Sizes, s => s.Name == name);
        (_patch, _hidden) = (size.Patch, size.Hidden);
        const int ImageSize = 224;
        conv_proj = nn.Conv2d(3, size.Hidden, size.Patch, stride: size.Patch);
        class_token = new Parameter(zeros(1, 1, size.Hidden));
        var tokens = ((ImageSize / size.Patch) * (ImageSize / size.Patch)) + 1;
        encoder = new TransformerEncoder(tokens, size.Layers, size.Heads, size.Hidden, size.Mlp);
        heads = nn.Sequential(("head", nn.Linear(size.Hidden, numClasses)));
        RegisterComponents();

        using var noGrad = no_grad();
        ZooLayers.TruncatedNormal(conv_proj.weight, Math.Sqrt(1.0 / (3 * size.Patch * size.Patch)));
        nn.init.zeros_(conv_proj.bias!);
        var head = (Linear)heads[0];
        nn.init.zeros_(head.weight);
        nn.init.zeros_(head.bias!);
    }

    /// <summary>
    /// The last encoder block's first layer norm (<c>encoder.layers.encoder_layer_11.ln_1</c> for B): pytorch-grad-cam's
    /// choice (<c>blocks[-1].norm1</c>), explained with its patch tokens on their grid.
    /// </summary>
    [ExplainLayer(IsDefault = true)]
    public LayerNorm LastBlockNorm => encoder.LastBlock.FirstNorm;

    /// <summary>The architecture's torchvision name, e.g. <c>vit_b_16</c>.</summary>
    public string Architecture { get; }

    /// <summary>The number of class scores the model returns.</summary>
    public int ClassCount { get; }

    /// <summary>The torchvision names of the family.</summary>
    internal static string[] Names => [.. Sizes.Select(s => s.Name)];

    /// <summary>The number of encoder blocks of a size.</summary>
    internal static int Depth(string architecture) => Array.Find(Sizes, s => s.Name == architecture).Layers;

    /// <summary>A ViT by its torchvision name (<c>vit_b_16</c>, <c>vit_b_32</c>, <c>vit_l_16</c>, <c>vit_l_32</c>), for 224×224 images, with torchvision's initialisation.</summary>
    /// <param name="architecture">The torchvision name.</param>
    /// <param name="numClasses">The number of classes; 1000 for ImageNet weights.</param>
    /// <returns>A new model in training mode; load weights with <see cref="ModelWeights"/>.</returns>
    public static VisionTransformer Create(string architecture, int numClasses = 1000) =>
        Array.Exists(Sizes, s => s.Name == architecture)
            ? new(architecture, numClasses)
            : throw new ArgumentOutOfRangeException(nameof(architecture), architecture, "Not one of torchvision's ViTs: " + string.Join(", ", Names) + ".");

    /// <summary>The tokens of every explainable layer (all are encoder norms) laid out on the square patch grid, the class token dropped.</summary>
    ActivationReshape? IExplainableModel.GetExplainableLayerReshape(int index) => ActivationReshape.Tokens();

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var (n, h, w) = (input.shape[0], input.shape[2], input.shape[3]);
        var x = conv_proj.call(input).reshape(n, _hidden, (h / _patch) * (w / _patch)).permute(0, 2, 1);
        x = cat([class_token.expand(n, -1, -1), x], 1);
        x = encoder.call(x);
        return heads.call(x[.., 0]).MoveToOuterDisposeScope();
    }
}
