using System;
using CamSdk.Internal;
using TorchSharp;

namespace CamSdk;

/// <summary>
/// Turns a layer's output that is not an N×K×h×w feature map (a vision transformer's tokens, a Swin block's
/// channels-last map) into one, so that every CAM method can explain it. Activations and gradients are
/// reshaped alike, as pytorch-grad-cam's <c>reshape_transform</c> does.
/// </summary>
public sealed class ActivationReshape
{
    private readonly Func<torch.Tensor, torch.Tensor> _reshape;

    private ActivationReshape(Func<torch.Tensor, torch.Tensor> reshape, int channelDimension, string description)
    {
        _reshape = reshape;
        ChannelDimension = channelDimension;
        Description = description;
    }

    /// <summary>
    /// A channels-last map, N×h×w×C (Swin-like models), to N×C×h×w: pytorch-grad-cam's <c>swinT_reshape_transform</c>.
    /// </summary>
    public static ActivationReshape ChannelsLast { get; } = new(
        output => Require(output, 4, "N×h×w×C").permute(0, 3, 1, 2),
        channelDimension: 3,
        "channels-last map");

    /// <summary>The dimension of the layer's own output that holds the channels (1 for N×K×h×w); Ablation-CAM ablates along it.</summary>
    public int ChannelDimension { get; }

    /// <summary>What the reshape does, for messages.</summary>
    public string Description { get; }

    /// <summary>
    /// A transformer's tokens, N×T×D, to N×D×h×w: the patch tokens laid out on their h×w grid, the class token
    /// (the first token) dropped when there is one. pytorch-grad-cam's <c>vit_reshape_transform</c>.
    /// </summary>
    /// <param name="height">The patch grid's height; with <paramref name="width"/> 0, the grid is taken to be square.</param>
    /// <param name="width">The patch grid's width; 0 for a square grid.</param>
    /// <param name="hasClassToken">Whether the first token is a class token, not a patch.</param>
    /// <returns>The reshape.</returns>
    public static ActivationReshape Tokens(int height = 0, int width = 0, bool hasClassToken = true)
    {
        if (height < 0 || width < 0 || (height == 0) != (width == 0))
        {
            throw new ArgumentException($"Give both the patch grid's height and width (got {height}×{width}), or neither for a square grid.");
        }

        var skip = hasClassToken ? 1 : 0;
        return new(
            output =>
            {
                Require(output, 3, "N×T×D tokens");
                var patches = output.shape[1] - skip;
                var (h, w) = height > 0 ? (height, (long)width) : Square(patches);
                if (h * w != patches || patches <= 0)
                {
                    throw new CamLayerException(
                        $"The layer returned {output.shape[1]} tokens; {(hasClassToken ? "without the class token, " : string.Empty)}{patches} patch tokens do not fill " +
                        $"{(height > 0 ? $"a {height}×{width} grid" : "a square grid")}. Give the patch grid with ActivationReshape.Tokens(height, width, hasClassToken).");
                }

                return output[.., skip..].reshape(output.shape[0], h, w, output.shape[2]).permute(0, 3, 1, 2);
            },
            channelDimension: 2,
            hasClassToken ? "tokens with a class token" : "tokens");
    }

    /// <summary>A reshape of your own.</summary>
    /// <param name="reshape">Maps the layer's output to N×K×h×w; it must be differentiable and must not mix images.</param>
    /// <param name="channelDimension">The dimension of the layer's output that holds the channels (Ablation-CAM ablates along it).</param>
    /// <param name="description">A short name for messages.</param>
    /// <returns>The reshape.</returns>
    public static ActivationReshape Custom(Func<torch.Tensor, torch.Tensor> reshape, int channelDimension, string description = "custom reshape")
    {
        ArgumentNullException.ThrowIfNull(reshape);
        ArgumentOutOfRangeException.ThrowIfNegative(channelDimension);
        return new(reshape, channelDimension, description);
    }

    /// <summary>Applies the reshape and checks that it gives an N×K×h×w map.</summary>
    /// <param name="output">The layer's output (or its gradient).</param>
    /// <returns>The N×K×h×w map.</returns>
    public torch.Tensor Apply(torch.Tensor output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var map = _reshape(output) ?? throw new CamLayerException($"The {Description} returned null. Return an N×K×h×w tensor.");
        if (map.dim() != 4 || map.shape[0] != output.shape[0])
        {
            throw new CamLayerException(
                $"The {Description} turned a layer output of shape {Shapes.Format(output.shape)} into {Shapes.Format(map.shape)}, but it must give N×K×h×w " +
                $"with N = {output.shape[0]}.");
        }

        return map;
    }

    /// <inheritdoc />
    public override string ToString() => Description;

    private static torch.Tensor Require(torch.Tensor output, int rank, string shape) =>
        output.dim() == rank
            ? output
            : throw new CamLayerException(
                $"The layer returned shape {Shapes.Format(output.shape)}, but a reshape of {shape} was asked for. Choose the reshape that fits the layer's output.");

    private static (long Height, long Width) Square(long patches)
    {
        var side = (long)Math.Round(Math.Sqrt(patches));
        return (side, side);
    }
}
