using System;
using CamSdk.Models;
using CamSdk.Evaluation;

namespace CamSdk.Shapes;

/// <summary>What <see cref="ShapesMainJob.Run"/> made: the three networks and the report. Dispose it to free the networks.</summary>
/// <param name="Trained">The main ShapesNet.</param>
/// <param name="Shuffled">The network trained on shuffled labels, or null when its training failed (see the report's <see cref="EvaluationReport.SkippedChecks"/>).</param>
/// <param name="Watermarked">The network trained with watermarks, or null when its training failed.</param>
/// <param name="Report">The evaluation and every check that could run.</param>
public sealed record MainJobResult(TrainedShapesNet Trained, TrainedShapesNet? Shuffled, TrainedShapesNet? Watermarked, EvaluationReport Report) : IDisposable
{
    /// <summary>Disposes the three networks.</summary>
    public void Dispose()
    {
        Trained.Dispose();
        Shuffled?.Dispose();
        Watermarked?.Dispose();
    }
}
