using System;
using System.Collections.Generic;
using System.IO;
using CamSdk.Shapes;

namespace CamSdk.Evaluation;

/// <summary>
/// An evaluation's findings, as a person reads them (<see cref="ToHtml"/>: one self-contained HTML page, images and plots
/// embedded) and as a program reads them (<see cref="ToMetricsJson"/>).
/// </summary>
public sealed record EvaluationReport
{
    /// <summary>The report's title.</summary>
    public required string Title { get; init; }

    /// <summary>The model's name (e.g. <c>ShapesNet</c>, <c>resnet18</c>).</summary>
    public required string Model { get; init; }

    /// <summary>The explained layer's name.</summary>
    public required string Layer { get; init; }

    /// <summary>What the images are (e.g. <c>SyntheticShapes, seed 2017, 64×64</c>, or a folder).</summary>
    public required string Dataset { get; init; }

    /// <summary>The class names, indexed by class.</summary>
    public required IReadOnlyList<string> ClassNames { get; init; }

    /// <summary>The localisation figures.</summary>
    public required LocalizationEvaluation Localization { get; init; }

    /// <summary>The class-discrimination figures, or null when the dataset has no two-object images.</summary>
    public DiscriminationEvaluation? Discrimination { get; init; }

    /// <summary>How the model was trained, or null for a model trained elsewhere.</summary>
    public TrainingRecord? Training { get; init; }

    /// <summary>The model-randomisation sanity checks, or null when not run.</summary>
    public SanityCheckResult? Sanity { get; init; }

    /// <summary>The data-randomisation test, or null when not run.</summary>
    public DataRandomization? DataRandomization { get; init; }

    /// <summary>The faithfulness metrics, or null when not run.</summary>
    public FaithfulnessEvaluation? Faithfulness { get; init; }

    /// <summary>The shortcut study, or null when not run.</summary>
    public ShortcutEvaluation? Shortcut { get; init; }

    /// <summary>Checks that could not run at all, with the reason; the rest of the report stands without them.</summary>
    public IReadOnlyList<EvaluationProblem> SkippedChecks { get; init; } = [];

    /// <summary>
    /// Everything that could not be computed: <see cref="SkippedChecks"/>, and each method that failed in a section or at a
    /// step of one (its figures are then NaN, or null in <c>metrics.json</c>).
    /// </summary>
    public IReadOnlyList<EvaluationProblem> Problems => ReportChecks.Problems(this);

    /// <summary>Every method's name in reports, by key, as the report's sections carry them; a key names itself when absent.</summary>
    public IReadOnlyDictionary<string, string> MethodNames => ReportChecks.MethodNames(this);

    /// <summary>Further facts to show and record, in order (e.g. the machine, the wall time).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Facts { get; init; } = [];

    /// <summary>The report as one self-contained HTML page.</summary>
    /// <returns>The HTML.</returns>
    public string ToHtml() => ReportHtml.Render(this);

    /// <summary>The figures as JSON: every metric under a key that names it and the method (see the README's "metrics.json").</summary>
    /// <returns>The JSON text, indented.</returns>
    public string ToMetricsJson() => ReportMetrics.Render(this);

    /// <summary>Writes <c>report.html</c> and <c>metrics.json</c> into a folder (created if missing).</summary>
    /// <param name="directory">The folder.</param>
    /// <returns>The two files' full paths.</returns>
    public (string Html, string Metrics) WriteTo(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        Directory.CreateDirectory(directory);
        var (html, metrics) = (Path.GetFullPath(Path.Combine(directory, "report.html")), Path.GetFullPath(Path.Combine(directory, "metrics.json")));
        File.WriteAllText(html, ToHtml());
        File.WriteAllText(metrics, ToMetricsJson());
        return (html, metrics);
    }
}
