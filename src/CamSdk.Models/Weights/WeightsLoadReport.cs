using System.Collections.Generic;

namespace CamSdk.Models;

/// <summary>What <see cref="ModelWeights.Load"/> did.</summary>
/// <param name="Path">The file that was read.</param>
/// <param name="Format">Its format, as recognised from its content.</param>
/// <param name="Loaded">The number of tensors copied into the model.</param>
/// <param name="Missing">The model's keys that the file lacks (left as they were; empty when loading strictly).</param>
/// <param name="Unexpected">The file's keys that the model lacks, or whose shapes or kinds of element type (integer or floating point) differ (ignored; empty when loading strictly).</param>
public sealed record WeightsLoadReport(string Path, WeightsFormat Format, int Loaded, IReadOnlyList<string> Missing, IReadOnlyList<string> Unexpected);
