using System;
using System.Collections.Generic;
using System.Linq;
using CamSdk.Internal;
using ScottPlot;

namespace CamSdk.Evaluation;

/// <summary>The report's plots, drawn with ScottPlot as PNG bytes.</summary>
internal static class ReportPlots
{
    private static readonly object Gate = new();

    /// <summary>ScottPlot draws text only with a registered font file: register CamSdk's own once, as the default.</summary>
    private static readonly Lazy<bool> FontRegistered = new(() =>
    {
        ScottPlot.Fonts.AddFontFile(EmbeddedFont.Name, EmbeddedFont.Path);
        ScottPlot.Fonts.Default = EmbeddedFont.Name;
        return true;
    });

    /// <summary>Horizontal bars grouped by method, top to bottom in the given order: one bar per series in each group, the methods' names beside them.</summary>
    internal static byte[] GroupedBars(string title, string valueLabel, IReadOnlyList<string> groups, IReadOnlyList<(string Name, IReadOnlyList<double> Values)> series, int width = 760, int? height = null)
    {
        return Draw(width, height ?? (150 + (groups.Count * 16 * (series.Count + 1))), plot =>
        {
            var palette = new ScottPlot.Palettes.Category10();
            var stride = series.Count + 1;
            for (var s = 0; s < series.Count; s++)
            {
                // A figure that could not be computed (NaN) has no bar.
                var bars = series[s].Values.Select((value, g) => new Bar { Position = -(g * stride + s), Value = double.IsFinite(value) ? value : 0, FillColor = palette.GetColor(s), LineWidth = 0 }).ToList();
                var plottable = plot.Add.Bars(bars);
                plottable.Horizontal = true;
                plottable.LegendText = series[s].Name;
            }

            var centres = groups.Select((_, g) => -(g * stride + ((series.Count - 1) / 2.0))).ToArray();
            plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(centres, [.. groups]);
            plot.Axes.Left.MajorTickStyle.Length = 0;
            plot.Axes.SetLimitsX(0, Math.Max(1.0, series.SelectMany(s => s.Values).Where(double.IsFinite).DefaultIfEmpty(0).Max()) * 1.02);
            plot.Axes.SetLimitsY(-(groups.Count * stride) + 0.5, 0.5);
            plot.ShowLegend(Edge.Bottom);
            plot.Title(title);
            plot.XLabel(valueLabel);
        });
    }

    /// <summary>Training curves: the loss (left axis) and the accuracy (right axis) per epoch.</summary>
    internal static byte[] TrainingCurves(IReadOnlyList<double> losses, IReadOnlyList<double> accuracies, int width = 520, int height = 340)
    {
        return Draw(width, height, plot =>
        {
            var epochs = Enumerable.Range(1, losses.Count).Select(e => (double)e).ToArray();
            var loss = plot.Add.Scatter(epochs, losses.ToArray());
            loss.LegendText = "training loss";
            var accuracy = plot.Add.Scatter(epochs, accuracies.Select(a => a * 100).ToArray());
            accuracy.LegendText = "training accuracy (%)";
            accuracy.Axes.YAxis = plot.Axes.Right;
            plot.Axes.Right.Label.Text = "accuracy (%)";
            plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(epochs, [.. epochs.Select(e => e.ToString("0", System.Globalization.CultureInfo.InvariantCulture))]);
            plot.ShowLegend(Edge.Bottom);
            plot.Title("Training");
            plot.XLabel("epoch");
            plot.YLabel("cross-entropy");
        });
    }

    /// <summary>Lines (with markers), one per series, over shared or own x values; optional tick labels for the x values.</summary>
    internal static byte[] Lines(string title, string xLabel, string yLabel, IReadOnlyList<(string Name, IReadOnlyList<double> X, IReadOnlyList<double> Y)> series, IReadOnlyList<string>? ticks = null, int width = 860, int height = 480)
    {
        return Draw(width, height, plot =>
        {
            var palette = new ScottPlot.Palettes.Category10();
            for (var s = 0; s < series.Count; s++)
            {
                // A figure that could not be computed (NaN) leaves a gap in its line, not a point.
                var points = series[s].X.Zip(series[s].Y).Where(p => double.IsFinite(p.Second)).ToArray();
                var line = plot.Add.Scatter(points.Select(p => p.First).ToArray(), points.Select(p => p.Second).ToArray());
                line.LegendText = series[s].Name;
                line.Color = palette.GetColor(s % palette.Colors.Length);
                line.LinePattern = s < palette.Colors.Length ? LinePattern.Solid : LinePattern.Dashed;
                line.MarkerSize = 4;
            }

            if (ticks is not null && series.Count > 0)
            {
                plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual([.. series[0].X], [.. ticks]);
                plot.Axes.Bottom.TickLabelStyle.Rotation = -40;
                plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleRight;
                // Rotated tick labels would run into an axis title below them: the title is said in the plot's title instead.
                xLabel = "";
            }

            plot.ShowLegend(Edge.Right);
            plot.Title(title);
            plot.XLabel(xLabel);
            plot.YLabel(yLabel);
        });
    }

    private static byte[] Draw(int width, int height, Action<Plot> build)
    {
        _ = FontRegistered.Value;
        // ScottPlot's font registry is global: draw one plot at a time.
        lock (Gate)
        {
            var plot = new Plot();
            build(plot);
            plot.Font.Set(EmbeddedFont.Name);
            return plot.GetImageBytes(width, height, ImageFormat.Png);
        }
    }
}
