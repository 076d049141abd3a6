using System.Collections.Generic;

namespace CamSdk.Cli;

/// <summary>
/// The JSON summary written beside each explained image: every file written for it (pictures per method, and with
/// --save-raw the .npy arrays of its batch in <see cref="Arrays"/>).
/// </summary>
internal sealed record ImageSummary(
    string Source,
    string Architecture,
    string Layer,
    string Method,
    int Width,
    int Height,
    IReadOnlyList<ClassSummary> Classes,
    IReadOnlyList<string> Arrays);

/// <summary>One explained class of an image.</summary>
internal sealed record ClassSummary(
    int Index,
    string? Label,
    float Score,
    float Probability,
    IReadOnlyList<MethodSummary> Methods);

/// <summary>
/// What one method gave for a class: its localisation box (CAM methods; none for a flat map), the files written, and
/// whether the map is flat (constant at the layer's resolution, so it shows nothing).
/// </summary>
internal sealed record MethodSummary(
    string Method,
    BoxSummary? Box,
    IReadOnlyList<string> Files,
    bool Flat);

/// <summary>The weakly-supervised localisation box of a class, in pixels of the model's input (inclusive edges).</summary>
internal sealed record BoxSummary(int Left, int Top, int Right, int Bottom);
