using System.Collections.Generic;

namespace CamSdk.Evaluation;

/// <summary>The faithfulness of every method on a set of images (<see cref="FaithfulnessEvaluator"/>).</summary>
/// <param name="Methods">Each method's figures.</param>
/// <param name="Percentiles">ROAD's percentiles.</param>
/// <param name="Images">The images measured.</param>
/// <param name="Settings">The settings, in words (baselines, step, score).</param>
public sealed record FaithfulnessEvaluation(IReadOnlyList<MethodFaithfulness> Methods, IReadOnlyList<double> Percentiles, int Images, string Settings)
{
    /// <summary>
    /// Writes the figures into a folder: <c>faithfulness.csv</c> (one row per method), <c>faithfulness.json</c> (with the
    /// curves) and the plots <c>deletion.png</c>, <c>insertion.png</c>, <c>road-most-relevant-first.png</c> and
    /// <c>road-least-relevant-first.png</c>.
    /// </summary>
    /// <param name="directory">The folder (created if missing).</param>
    /// <returns>The files written.</returns>
    public IReadOnlyList<string> WriteTo(string directory)
    {
        System.ArgumentException.ThrowIfNullOrEmpty(directory);
        return CheckFiles.Write(this, directory);
    }
}
