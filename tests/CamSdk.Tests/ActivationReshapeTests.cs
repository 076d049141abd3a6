using CamSdk.Internal;
using CamSdk.Methods;
using CamSdk.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace CamSdk.Tests;

public sealed class ActivationReshapeTests
{
    [Fact]
    public void TokensDropTheClassTokenAndLayPatchesOutRowByRow()
    {
        // Token 1 + (row·3 + column) carries channel d = 10·(row·3 + column) + d.
        using var tokens = cat([full(1, 1, 2, Scalars.Of(-1.0)), arange(Scalars.Of(0), Scalars.Of(9), Scalars.Of(1)).unsqueeze(1).mul(Scalars.Of(10)).Plus(arange(Scalars.Of(0), Scalars.Of(2), Scalars.Of(1))).to(float32).unsqueeze(0)], 1);
        using var map = ActivationReshape.Tokens().Apply(tokens);
        Assert.Equal(new long[] { 1, 2, 3, 3 }, map.shape);
        Assert.Equal(51f, map[0, 1, 1, 2].item<float>()); // row 1, column 2 = patch 5, channel 1
        using var explicitGrid = ActivationReshape.Tokens(3, 3).Apply(tokens);
        Assert.Equal(0, Tensors.MaxAbsDifference(map, explicitGrid));
        using var noClassToken = ActivationReshape.Tokens(hasClassToken: false).Apply(tokens[.., 1..]);
        Assert.Equal(0, Tensors.MaxAbsDifference(map, noClassToken));
    }

    [Fact]
    public void ChannelsLastMapsGiveTheSameMapsAsChannelsFirst()
    {
        manual_seed(83);
        var model = new SmallCnn(classes: 4);
        var channelsLast = new ChannelsLastNet(model);
        using var input = randn(2, 3, 12, 12);
        CamMethod[] methods = [CamMethods.GradCam, CamMethods.HiResCam, CamMethods.AblationCam];
        using var expected = new CamExplainer(model, model.features).Explain(input, methods, Targets.CamTarget.Classes([1, 2]));
        using var actual = new CamExplainer(channelsLast, channelsLast.features, new ExplainerOptions { Reshape = ActivationReshape.ChannelsLast })
            .Explain(input, methods, Targets.CamTarget.Classes([1, 2]));
        for (var m = 0; m < methods.Length; m++)
        {
            Assert.True(expected[m].Heatmaps.max().item<float>() > 0.5f);
            Assert.True(Tensors.MaxAbsDifference(expected[m].Heatmaps, actual[m].Heatmaps) < 1e-5, methods[m].Name);
        }
    }

    [Fact]
    public void ATokenCountThatFillsNoGridIsAClearError()
    {
        using var tokens = zeros(1, 11, 4);
        var error = Assert.Throws<CamLayerException>(() => ActivationReshape.Tokens().Apply(tokens));
        Assert.Contains("10 patch tokens do not fill a square grid", error.Message);
        Assert.Contains("ActivationReshape.Tokens(height, width, hasClassToken)", error.Message);
    }

    /// <summary>SmallCnn whose feature block emits N×h×w×C, as a Swin stage does.</summary>
    private sealed class ChannelsLastNet : nn.Module<Tensor, Tensor>
    {
        public readonly ChannelsLastBlock features;
        private readonly SmallCnn _inner;

        public ChannelsLastNet(SmallCnn inner) : base(nameof(ChannelsLastNet))
        {
            _inner = inner;
            features = new ChannelsLastBlock(inner.features);
            RegisterComponents();
        }

        public override Tensor forward(Tensor input) => _inner.fc.call(_inner.pool.call(features.call(input).permute(0, 3, 1, 2)).flatten(1));
    }

    private sealed class ChannelsLastBlock(nn.Module<Tensor, Tensor> inner) : nn.Module<Tensor, Tensor>(nameof(ChannelsLastBlock))
    {
        private readonly nn.Module<Tensor, Tensor> _inner = inner;

        public override Tensor forward(Tensor input) => _inner.call(input).permute(0, 2, 3, 1);
    }
}
