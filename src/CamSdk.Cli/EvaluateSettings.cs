namespace CamSdk.Cli;

/// <summary>What <c>camsdk evaluate</c> was asked to do: one property per option, named after it; each default written here once.</summary>
internal sealed record EvaluateSettings
{
    public string? Arch { get; init; }

    public string? Weights { get; init; }

    public string? Data { get; init; }

    public string? Labels { get; init; }

    public string Out { get; init; } = "out";

    public int Images { get; init; } = new Shapes.MainJobOptions().Images;

    public int Pairs { get; init; } = new Shapes.MainJobOptions().Pairs;

    public bool Retrain { get; init; }

    public string? Layer { get; init; }

    public string Device { get; init; } = ModelLoading.DefaultDevice;

    public int BatchSize { get; init; } = 16;

    public int? Threads { get; init; }

    public string? Method { get; init; }

    public string? Shard { get; init; }

    public string Prepare { get; init; } = "auto";

    /// <summary>The values of --prepare.</summary>
    internal static readonly string[] Preparations = ["auto", "ahead", "inline"];

    /// <summary>--prepare as the evaluator takes it.</summary>
    internal Evaluation.BatchPreparation Preparation => Prepare switch
    {
        "ahead" => Evaluation.BatchPreparation.Ahead,
        "inline" => Evaluation.BatchPreparation.Inline,
        _ => Evaluation.BatchPreparation.Automatic,
    };
}
