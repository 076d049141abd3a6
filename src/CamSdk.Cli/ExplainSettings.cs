using System.Collections.Generic;

namespace CamSdk.Cli;

/// <summary>What <c>camsdk explain</c> was asked to do, after parsing.</summary>
internal sealed record ExplainSettings(
    string Architecture,
    string? Weights,
    IReadOnlyList<string> Images,
    string? InputNpy,
    int? ClassIndex,
    int Top,
    string Method,
    string? Layer,
    string Device,
    string Output,
    bool SaveRaw,
    string? Labels,
    int Resize = 256,
    int Crop = 224,
    bool EigenSmooth = false,
    bool AugmentationSmooth = false,
    int? BatchSize = null,
    int? Threads = null,
    string Colormap = "jet");
