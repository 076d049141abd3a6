using System.Diagnostics;
using System.Globalization;
using CamSdk.Evaluation;

namespace CamSdk.Benchmarks;

/// <summary>
/// The built-in evaluation with its images decoded inline and ahead, interleaved round by round in one process:
/// <c>dotnet run -c Release --project benchmarks/CamSdk.Benchmarks -- overlap [rounds]</c>. BenchmarkDotNet runs its
/// cases one after another, and on these virtual machines the speed drifts by more than the few percent decoding can
/// save over minutes; here each round runs both, in alternating order, and the ratio is taken within the round.
/// </summary>
internal static class OverlapComparison
{
    internal static int Run(string[] args)
    {
        var rounds = args is [var text] ? int.Parse(text, CultureInfo.InvariantCulture) : 15;
        Console.WriteLine($"// {rounds} rounds after one warm-up, each running inline and ahead in alternating order; torch threads: {TorchSharp.torch.get_num_threads()}");
        Console.WriteLine("| images | methods | torch threads | inline (images/s) | ahead (images/s) | ahead ÷ inline, per round: median (quartiles) | decoding (ms per image) |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|---:|");
        var threads = TorchSharp.torch.get_num_threads();
        (string Images, string Methods, int Threads)[] cases =
        [
            ("built-in", "all", threads), ("built-in", "gradcam", threads), ("png-folder", "all", threads), ("png-folder", "gradcam", threads),
            (SlowDecoding, "gradcam", threads), (SlowDecoding, "gradcam", 1),
        ];
        foreach (var (images, methods, caseThreads) in cases)
        {
            TorchSharp.torch.set_num_threads(caseThreads);
            var (trained, set, folder) = EvaluationBenchmarks.Data(images == SlowDecoding ? "built-in" : images);
            set = images == SlowDecoding ? new EvaluationSet([.. set.SingleObjectImages.Select(Slow)], [.. set.TwoObjectImages.Select(Slow)]) : set;
            try
            {
                var (inline, ahead, ratios) = (new List<double>(), new List<double>(), new List<double>());
                for (var round = 0; round <= rounds; round++)
                {
                    BatchPreparation[] order = round % 2 == 0 ? [BatchPreparation.Inline, BatchPreparation.Ahead] : [BatchPreparation.Ahead, BatchPreparation.Inline];
                    var seconds = order.ToDictionary(p => p, p => Time(() => EvaluationBenchmarks.Run(trained, set, methods, p)));
                    if (round > 0)
                    {
                        inline.Add(seconds[BatchPreparation.Inline]);
                        ahead.Add(seconds[BatchPreparation.Ahead]);
                        ratios.Add(seconds[BatchPreparation.Inline] / seconds[BatchPreparation.Ahead]);
                    }
                }

                var decode = Time(() => set.SingleObjectImages.Concat(set.TwoObjectImages).Sum(i => i.Image.Width)) * 1000 / EvaluationBenchmarks.ImagesPerRun;
                Console.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"| {images} | {methods} | {caseThreads} | {EvaluationBenchmarks.ImagesPerRun / Median(inline):F1} | {EvaluationBenchmarks.ImagesPerRun / Median(ahead):F1} | {Median(ratios):F3} ({Quantile(ratios, 0.25):F3}–{Quantile(ratios, 0.75):F3}) | {decode:F3} |"));
            }
            finally
            {
                EvaluationBenchmarks.Release(trained, folder);
            }
        }

        TorchSharp.torch.set_num_threads(threads);
        return 0;
    }

    /// <summary>Images whose decoding costs a known amount of CPU: the built-in ones, each spending 3 ms first.</summary>
    private const string SlowDecoding = "3-ms-decoding";

    /// <summary>
    /// The image decoded on demand after spinning for 3 ms: stands in for decoding that costs as much as a large JPEG's
    /// (or reading from network storage, minus the waiting), which the second thread can take off the explaining one.
    /// </summary>
    private static EvaluationImage Slow(EvaluationImage image) => EvaluationImage.Deferred(image.Name, image.Width, image.Height, () =>
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed.TotalMilliseconds < 3)
        {
        }

        return image.Image;
    }, image.Objects);

    private static double Time(Func<double> run)
    {
        var watch = Stopwatch.StartNew();
        _ = run();
        return watch.Elapsed.TotalSeconds;
    }

    private static double Median(List<double> values) => Quantile(values, 0.5);

    private static double Quantile(List<double> values, double q)
    {
        var sorted = values.Order().ToArray();
        var position = q * (sorted.Length - 1);
        var (low, high) = ((int)Math.Floor(position), (int)Math.Ceiling(position));
        return sorted[low] + ((sorted[high] - sorted[low]) * (position - low));
    }
}
