namespace CamSdk.Cli;

/// <summary>What <c>camsdk sanity</c> or <c>camsdk faithfulness</c> was asked to do, after parsing.</summary>
internal sealed record CheckSettings(
    string? Architecture,
    string? Weights,
    string[] Images,
    int Count,
    string? Layer,
    string? Method,
    string Device,
    string Output,
    int? Threads,
    int Seed,
    bool Blocks = false,
    int? Step = null,
    string DeletionBaseline = "zero",
    string InsertionBaseline = "blur",
    string Score = "probability",
    double Noise = Evaluation.RoadImputation.DefaultNoise,
    int Resize = 256,
    int Crop = 224);
