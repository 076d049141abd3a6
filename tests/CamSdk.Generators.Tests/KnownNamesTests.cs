namespace CamSdk.Generators.Tests;

public sealed class KnownNamesTests
{
    [Fact]
    public void KnownNamesAreTheTypesMetadataNames()
    {
        Assert.Equal(KnownNames.ExplainLayerAttribute, typeof(ExplainLayerAttribute).FullName);
        Assert.Equal(KnownNames.ClassHeadAttribute, typeof(ClassHeadAttribute).FullName);
        Assert.Equal(KnownNames.Module, typeof(TorchSharp.torch.nn.Module<,>).FullName);
        Assert.Equal(KnownNames.Tensor, typeof(TorchSharp.torch.Tensor).FullName);
        Assert.Equal(KnownNames.ReLU, typeof(TorchSharp.Modules.ReLU).FullName);
        Assert.Equal(KnownNames.Torch, typeof(TorchSharp.torch).FullName);
        Assert.Equal(KnownNames.Functional, typeof(TorchSharp.torch.nn.functional).FullName);
        Assert.Equal(KnownNames.Nn, typeof(TorchSharp.torch.nn).FullName);
    }
}
