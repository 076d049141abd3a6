namespace CamSdk.Cli;

/// <summary>What <c>camsdk evaluate</c> was asked to do, after parsing.</summary>
internal sealed record EvaluateSettings(
    string? Architecture,
    string? Weights,
    string? Data,
    string? Labels,
    string Output,
    int Images,
    int Pairs,
    bool Retrain,
    string? Layer,
    string Device,
    int BatchSize,
    int? Threads,
    string? Method = null);
