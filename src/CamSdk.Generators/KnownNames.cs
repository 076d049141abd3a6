namespace CamSdk.Generators;

/// <summary>Metadata names of the types the generator and analyzers look for (a test checks them against typeof).</summary>
internal static class KnownNames
{
    public const string ExplainLayerAttribute = "CamSdk.ExplainLayerAttribute";
    public const string ClassHeadAttribute = "CamSdk.ClassHeadAttribute";
    public const string ExplainableModelExtensions = "CamSdk.ExplainableModelExtensions";
    public const string Module = "TorchSharp.torch+nn+Module`2";
    public const string Tensor = "TorchSharp.torch+Tensor";
    public const string ReLU = "TorchSharp.Modules.ReLU";
    public const string Torch = "TorchSharp.torch";
    public const string Functional = "TorchSharp.torch+nn+functional";
    public const string Nn = "TorchSharp.torch+nn";
}
