using System.Globalization;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using CamSdk.Evaluation;
using CamSdk.Methods;
using CamSdk.Shapes;

namespace CamSdk.Benchmarks;

/// <summary>
/// Throughput of the built-in evaluation (<c>camsdk evaluate</c>: ShapesNet trained or loaded from the cache, held-out
/// SyntheticShapes images), with each batch's images decoded inline or on a second thread while the batch before is
/// explained (<see cref="BatchPreparation"/>). Per image: 64 one-object images and 16 two-object images (each explained
/// for both of its classes), batches of 16, as the command's defaults. The images are either made in memory, as the
/// built-in set does, or PNG files in a dataset folder that every batch decodes, as <c>--data</c> reads them; with every
/// method of the main job, or with Grad-CAM alone (Guided Backpropagation and Guided Grad-CAM are always measured).
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 2, iterationCount: 15)]
public class EvaluationBenchmarks
{
    private const int SingleImages = 64;
    private const int Pairs = 16;

    /// <summary>Images per evaluation: the one-object images and the pairs.</summary>
    internal const int ImagesPerRun = SingleImages + Pairs;

    private TrainedShapesNet _trained = null!;
    private EvaluationSet _set = null!;
    private string? _folder;

    /// <summary>Where the images come from: made in memory (the built-in set) or PNG files decoded per batch.</summary>
    [Params("built-in", "png-folder")]
    public string Images { get; set; } = "built-in";

    /// <summary>Which CAM methods: all of the main job's, or Grad-CAM alone.</summary>
    [Params("all", "gradcam")]
    public string Methods { get; set; } = "all";

    /// <summary>Decoding inline or ahead.</summary>
    [Params(BatchPreparation.Inline, BatchPreparation.Ahead)]
    public BatchPreparation Preparation { get; set; }

    [GlobalSetup]
    public void Setup() => (_trained, _set, _folder) = Data(Images);

    [GlobalCleanup]
    public void Cleanup() => Release(_trained, _folder);

    /// <summary>The evaluation, per image.</summary>
    [Benchmark(OperationsPerInvoke = ImagesPerRun)]
    public double Evaluate() => Run(_trained, _set, Methods, Preparation);

    /// <summary>Decoding every image once, alone, per image: what the second thread takes off the explaining one.</summary>
    [Benchmark(OperationsPerInvoke = ImagesPerRun)]
    public int Decode() => _set.SingleObjectImages.Concat(_set.TwoObjectImages).Sum(i => i.Image.Width);

    /// <summary>
    /// The trained ShapesNet and the evaluation's images: the built-in set, or the same images as PNG files in a
    /// temporary dataset folder (returned, for <see cref="Release"/> to delete).
    /// </summary>
    internal static (TrainedShapesNet Trained, EvaluationSet Set, string? Folder) Data(string images)
    {
        var options = new ShapesTrainingOptions();
        var trained = ShapesNetTrainer.TrainOrLoad(options);
        var builtIn = ShapesEvaluation.BuiltInSet(options, SingleImages, Pairs);
        if (images == "built-in")
        {
            return (trained, builtIn, null);
        }

        var folder = Directory.CreateTempSubdirectory("camsdk-bench-").FullName;
        var rows = new List<string> { EvaluationFolder.Header };
        foreach (var (image, i) in builtIn.SingleObjectImages.Concat(builtIn.TwoObjectImages).Select((image, i) => (image, i)))
        {
            var file = string.Create(CultureInfo.InvariantCulture, $"{i:D4}.png");
            image.Image.SavePng(Path.Combine(folder, file));
            rows.AddRange(image.Objects.Select(o => string.Create(CultureInfo.InvariantCulture, $"{file},{o.ClassIndex},{o.Box.Left},{o.Box.Top},{o.Box.Right},{o.Box.Bottom}")));
        }

        File.WriteAllLines(Path.Combine(folder, EvaluationFolder.AnnotationsFile), rows);
        var set = EvaluationFolder.Load(folder, SyntheticShapes.ClassNames);
        if (set.SingleObjectImages.Count != SingleImages || set.TwoObjectImages.Count != Pairs)
        {
            throw new InvalidOperationException("The folder does not hold the built-in images.");
        }

        return (trained, set, folder);
    }

    internal static void Release(TrainedShapesNet trained, string? folder)
    {
        trained.Dispose();
        if (folder is not null)
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>One evaluation of the set (localisation and discrimination), as <c>camsdk evaluate</c> runs it.</summary>
    internal static double Run(TrainedShapesNet trained, EvaluationSet set, string methods, BatchPreparation preparation)
    {
        var model = trained.Model;
        IReadOnlyList<CamMethod> chosen = methods == "all" ? ShapesEvaluation.Methods(model) : [CamMethods.GradCam];
        var evaluator = new LocalizationEvaluator(model, model.GetLayer(ShapesNet.Layers.Layer4), chosen, ShapesNet.Preprocessor)
        {
            BatchSize = 16,
            Preparation = preparation,
        };
        var localization = evaluator.EvaluateLocalization(set.SingleObjectImages);
        var discrimination = evaluator.EvaluateDiscrimination(set.TwoObjectImages);
        return localization.Accuracy + discrimination.Images;
    }
}
