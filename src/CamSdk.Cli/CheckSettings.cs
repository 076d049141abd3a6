using CamSdk.Imaging;

namespace CamSdk.Cli;

/// <summary>
/// What <c>camsdk sanity</c> or <c>camsdk faithfulness</c> was asked to do: one property per option, named after it; each
/// default written here once (a command sets only the options it has).
/// </summary>
internal sealed record CheckSettings
{
    public string? Arch { get; init; }

    public string? Weights { get; init; }

    public string[] Image { get; init; } = [];

    public int Images { get; init; } = 32;

    public string? Layer { get; init; }

    public string? Method { get; init; }

    public string Device { get; init; } = ModelLoading.DefaultDevice;

    public string Out { get; init; } = string.Empty;

    public int? Threads { get; init; }

    public int Seed { get; init; }

    public bool Blocks { get; init; }

    public int? Step { get; init; }

    public string DeletionBaseline { get; init; } = "zero";

    public string InsertionBaseline { get; init; } = "blur";

    public string Score { get; init; } = "probability";

    public double Noise { get; init; } = Evaluation.RoadImputation.DefaultNoise;

    public int Resize { get; init; } = ImagePreprocessor.ImageNet.ResizeTo!.Value;

    public int Crop { get; init; } = ImagePreprocessor.ImageNet.CropTo!.Value;
}
