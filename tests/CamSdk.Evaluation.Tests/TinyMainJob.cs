using CamSdk.Evaluation;
using CamSdk.Models;
using CamSdk.Shapes;

namespace CamSdk.Tests.Support;

/// <summary>
/// The main job in miniature, run once for the tests that need it: ShapesNet trained for one epoch on 64 images, then
/// evaluated on 8 one-object and 4 two-object held-out images, with the shuffled-label and watermarked networks trained
/// as small and the checks run on 4 (sanity, faithfulness) and 12 (shortcut) images, its report written to a temporary folder.
/// </summary>
public sealed class TinyMainJob : IDisposable
{
    public TinyMainJob()
    {
        Folder = Directory.CreateTempSubdirectory("camsdk-mainjob-").FullName;
        Job = JobOptions(Path.Combine(Folder, "cache"));
        Options = Job.Training;
        var result = ShapesMainJob.Run(Job);
        (Trained, Shuffled, Watermarked, Report) = (result.Trained, result.Shuffled!, result.Watermarked!, result.Report);
        (HtmlPath, MetricsPath) = Report.WriteTo(Path.Combine(Folder, "out"));
    }

    /// <summary>The miniature's sizes, caching its networks in <paramref name="cache"/>.</summary>
    public static MainJobOptions JobOptions(string cache) => new()
    {
        Training = new ShapesTrainingOptions { ImageSize = 64, TrainingImages = 64, Epochs = 1, BatchSize = 16, HeldOutImages = 16, CacheDirectory = cache },
        Images = 8,
        Pairs = 4,
        SanityImages = 4,
        FaithfulnessImages = 4,
        ShortcutImages = 12,
    };

    public MainJobOptions Job { get; }

    public string Folder { get; }

    public ShapesTrainingOptions Options { get; }

    public TrainedShapesNet Trained { get; }

    public TrainedShapesNet Shuffled { get; }

    public TrainedShapesNet Watermarked { get; }

    public EvaluationReport Report { get; }

    public string HtmlPath { get; }

    public string MetricsPath { get; }

    public void Dispose()
    {
        Trained.Dispose();
        Shuffled.Dispose();
        Watermarked.Dispose();
        Directory.Delete(Folder, recursive: true);
    }
}

/// <summary>The tests that share one <see cref="TinyMainJob"/>.</summary>
[CollectionDefinition(Name)]
public sealed class TinyMainJobCollection : ICollectionFixture<TinyMainJob>
{
    public const string Name = "Tiny main job";
}
