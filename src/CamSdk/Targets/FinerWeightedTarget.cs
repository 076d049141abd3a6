using System;
using System.Collections.Generic;
using System.Linq;
using CamSdk.Internal;
using TorchSharp;

namespace CamSdk.Targets;

/// <summary>
/// pytorch-grad-cam's <c>FinerWeightedTarget</c> (Finer-CAM): the main class's score against comparison classes, so that
/// the map shows what tells the main class apart from similar ones rather than what they share.
/// </summary>
/// <remarks>
/// For scores (logits) s and their softmax p over the classes, with the comparison classes j: Σ_j p_j (s_main − α s_j) /
/// (Σ_j p_j + 10⁻⁹), exactly as pytorch-grad-cam computes it (the weights p_j are part of the graph, not constants).
/// With α = 0 it is the main class's logit; with α = 1 the weighted margins over the comparison classes.
/// </remarks>
public sealed class FinerWeightedTarget : CamTarget
{
    private static readonly double Epsilon = 1e-9;
    private readonly int _mainClass;
    private readonly int[] _comparisonClasses;
    private readonly double _alpha;

    /// <summary>Creates the target.</summary>
    /// <param name="mainClass">The class to explain.</param>
    /// <param name="comparisonClasses">The classes to tell it apart from (at least one, none of them the main class).</param>
    /// <param name="alpha">How strongly the comparison classes' scores are subtracted (pytorch-grad-cam's FinerCAM uses 1).</param>
    /// <exception cref="ArgumentException">No comparison class, the main class among them, or a non-finite α.</exception>
    public FinerWeightedTarget(int mainClass, IReadOnlyList<int> comparisonClasses, double alpha)
    {
        ArgumentNullException.ThrowIfNull(comparisonClasses);
        if (comparisonClasses.Count == 0 || comparisonClasses.Contains(mainClass) || !double.IsFinite(alpha))
        {
            throw new ArgumentException(
                $"Give at least one comparison class other than the main class ({mainClass}) and a finite alpha (got [{string.Join(", ", comparisonClasses)}], {alpha}).",
                nameof(comparisonClasses));
        }

        _mainClass = mainClass;
        _comparisonClasses = [.. comparisonClasses];
        _alpha = alpha;
    }

    /// <inheritdoc />
    public override bool UsesClassScores => true;

    /// <inheritdoc />
    public override bool ReadsOwnRowOnly => true;

    /// <inheritdoc />
    public override torch.Tensor ScoreOutput(torch.Tensor output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var classCount = RequireLogits(output, "FinerWeightedTarget");
        var outside = _comparisonClasses.Append(_mainClass).Where(c => c < 0 || c >= classCount).ToList();
        if (outside.Count > 0)
        {
            throw new CamTargetException($"FinerWeightedTarget names class {outside[0]}, but the model has {classCount} classes (0 to {classCount - 1}).");
        }

        using var scope = torch.NewDisposeScope();
        using var alpha = _alpha.ToScalar();
        using var epsilon = Epsilon.ToScalar();
        var main = output.select(1, _mainClass);
        var probabilities = output.softmax(-1);
        torch.Tensor? numerator = null, denominator = null;
        foreach (var c in _comparisonClasses)
        {
            var weight = probabilities.select(1, c);
            var term = weight * main.sub(output.select(1, c).mul(alpha));
            numerator = numerator is null ? term : numerator.Plus(term);
            denominator = denominator is null ? weight : denominator.Plus(weight);
        }

        return numerator!.div(denominator!.Plus(epsilon)).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public override IReadOnlyList<int> ClassesOf(torch.Tensor output)
    {
        ArgumentNullException.ThrowIfNull(output);
        return [.. Enumerable.Repeat(_mainClass, (int)output.shape[0])];
    }

    /// <inheritdoc />
    public override string ToString() =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"class {_mainClass} against [{string.Join(", ", _comparisonClasses)}] (alpha {_alpha})");
}
