using CamSdk.Imaging;
using CamSdk.Methods;

namespace CamSdk.Cli;

/// <summary>What <c>camsdk explain</c> was asked to do: one property per option, named after it; each default written here once.</summary>
internal sealed record ExplainSettings
{
    public string? Arch { get; init; }

    public string? Onnx { get; init; }

    public string? Weights { get; init; }

    public string[] Image { get; init; } = [];

    public string? InputNpy { get; init; }

    public int? Class { get; init; }

    public string? Concept { get; init; }

    public int Top { get; init; } = 1;

    public string Method { get; init; } = CamMethods.GradCam.Key;

    public string? Layer { get; init; }

    public string Device { get; init; } = ModelLoading.DefaultDevice;

    public string Out { get; init; } = string.Empty;

    public bool SaveRaw { get; init; }

    public string? Labels { get; init; }

    public int Resize { get; init; } = ImagePreprocessor.ImageNet.ResizeTo!.Value;

    public int Crop { get; init; } = ImagePreprocessor.ImageNet.CropTo!.Value;

    public string Colormap { get; init; } = Imaging.Colormap.Jet.Name;

    public bool EigenSmooth { get; init; }

    public bool AugSmooth { get; init; }

    public int? BatchSize { get; init; }

    public int? Threads { get; init; }

    public string? Shard { get; init; }
}
