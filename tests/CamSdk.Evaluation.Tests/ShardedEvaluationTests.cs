using CamSdk.Evaluation;
using CamSdk.Shapes;
using CamSdk.Tests.Support;

namespace CamSdk.Tests;

/// <summary>
/// The built-in evaluation split into shards, written, read back and merged, against the whole run: the same metrics.json
/// and report.html, character for character; parts that do not belong together are refused by name.
/// </summary>
public sealed class ShardedEvaluationTests : IDisposable
{
    private readonly TemporaryFolder _folder = new("camsdk-shards-");

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void ThreeShardsMergedGiveTheWholeRunsMetricsAndReport()
    {
        var options = new ShapesTrainingOptions { TrainingImages = 64, Epochs = 1, BatchSize = 16, HeldOutImages = 16, CacheDirectory = _folder.PathOf("cache") };
        using var trained = ShapesNetTrainer.TrainOrLoad(options);
        // 21 one-object images in batches of 4 (6 batches: shards of 2, 2 and 2 batches, the last one short), 7 pairs in
        // batches of 2; a gallery of 3 and up to 2 misclassified examples, wherever they fall.
        var set = ShapesEvaluation.BuiltInSet(options, 21, 7);
        var dataset = ShapesEvaluation.DatasetName(options);
        LocalizationEvaluator Evaluator() => new(trained.Model, trained.Model.GetLayer(ShapesNet.Layers.Layer4), ShapesEvaluation.Methods(trained.Model), ShapesNet.Preprocessor)
        {
            BatchSize = 4,
            GalleryImages = 3,
            FailureImages = 2,
        };

        var evaluator = Evaluator();
        var whole = ShapesEvaluation.Report(trained, options, dataset)(evaluator.EvaluateLocalization(set.SingleObjectImages), evaluator.EvaluateDiscrimination(set.TwoObjectImages));
        KeyValuePair<string, string>[] identity = [new("model", "ShapesNet"), new("weights", trained.WeightsPath)];
        var paths = new List<string>();
        foreach (var k in new[] { 2, 0, 1 })
        {
            var part = Evaluator().EvaluatePart(set, new EvaluationShard(k, 3), identity, ShapesEvaluation.Report(trained, options, dataset));
            paths.Add(_folder.PathOf($"part-{k}-of-3.json"));
            part.Write(paths[^1]);
        }

        var parts = paths.Select(EvaluationPart.Read).ToArray();
        Assert.Equal([8, 8, 5], parts.OrderBy(p => p.Shard.Index).Select(p => p.Images));
        Assert.Equal([2, 2, 3], parts.OrderBy(p => p.Shard.Index).Select(p => p.Pairs));
        var merged = EvaluationPart.Merge(parts);
        Assert.True(whole.Localization.Misclassified > 0, "No misclassified image: the failure examples would not be compared.");
        Assert.Equal(whole.ToMetricsJson(), merged.ToMetricsJson());
        Assert.Equal(whole.ToHtml(), merged.ToHtml());
    }

    [Fact]
    public void PartsThatDoNotBelongTogetherAreRefusedByName()
    {
        var options = new ShapesTrainingOptions { TrainingImages = 32, Epochs = 1, BatchSize = 16, HeldOutImages = 16, CacheDirectory = _folder.PathOf("cache") };
        using var trained = ShapesNetTrainer.TrainOrLoad(options);
        var set = ShapesEvaluation.BuiltInSet(options, 6, 0);
        var evaluator = new LocalizationEvaluator(trained.Model, trained.Model.GetLayer(ShapesNet.Layers.Layer4), [CamSdk.Methods.CamMethods.GradCam], ShapesNet.Preprocessor) { BatchSize = 2 };
        EvaluationPart Part(int k, int n, string weights)
        {
            var part = evaluator.EvaluatePart(set, new EvaluationShard(k, n), [new("weights (SHA-256)", weights)], ShapesEvaluation.Report(trained, options, "shapes"));
            var path = _folder.PathOf($"{weights}-{k}-of-{n}.json");
            part.Write(path);
            return EvaluationPart.Read(path);
        }

        var (first, second, third) = (Part(0, 3, "aaaa"), Part(1, 3, "aaaa"), Part(2, 3, "aaaa"));
        Assert.Equal(6, EvaluationPart.Merge([third, first, second]).Localization.Images);

        var missing = Assert.Throws<CamException>(() => EvaluationPart.Merge([first, third])).Message;
        Assert.StartsWith("Parts 1/3 are missing (given: 0/3 '", missing);
        var twice = Assert.Throws<CamException>(() => EvaluationPart.Merge([first, second, second, third])).Message;
        Assert.Contains("Part 1/3 is given more than once", twice);
        var other = Assert.Throws<CamException>(() => EvaluationPart.Merge([first, Part(1, 3, "bbbb"), third])).Message;
        Assert.Contains("are parts of different evaluations: weights (SHA-256) is 'bbbb' in one and 'aaaa' in the other", other);
        var split = Assert.Throws<CamException>(() => EvaluationPart.Merge([first, Part(1, 2, "aaaa")])).Message;
        Assert.Contains("the parts come from runs split 2 and 3 ways", split);

        File.WriteAllText(_folder.PathOf("not-a-part.json"), "{\"Format\": 7}");
        Assert.Contains("is not an evaluation part of format 1", Assert.Throws<CamException>(() => EvaluationPart.Read(_folder.PathOf("not-a-part.json"))).Message);
        File.WriteAllText(_folder.PathOf("broken.json"), "{ nope");
        Assert.Contains("is not an evaluation part CamSdk can read", Assert.Throws<CamException>(() => EvaluationPart.Read(_folder.PathOf("broken.json"))).Message);
    }

    [Fact]
    public void AShardTakesWholeBatchesInOrderAndTheEnvironmentNamesIt()
    {
        Assert.Equal([(0, 8), (8, 16), (16, 21)], Enumerable.Range(0, 3).Select(k => new EvaluationShard(k, 3).Range(21, 4)));
        Assert.Equal([(0, 0), (0, 4), (4, 4), (4, 5)], Enumerable.Range(0, 4).Select(k => new EvaluationShard(k, 4).Range(5, 4)));
        Assert.Equal((0, 21), EvaluationShard.Whole.Range(21, 4));
        Assert.Equal(new EvaluationShard(2, 8), EvaluationShard.Parse(" 2/8 "));

        string? Slurm(string name) => name switch { "SLURM_ARRAY_TASK_ID" => "5", "SLURM_ARRAY_TASK_COUNT" => "8", "SLURM_ARRAY_TASK_MIN" => "1", _ => null };
        Assert.Equal(new EvaluationShard(4, 8), EvaluationShard.Parse("auto", Slurm));
        string? Kubernetes(string name) => name == "JOB_COMPLETION_INDEX" ? "3" : null;
        Assert.Equal(new EvaluationShard(3, 4), EvaluationShard.Parse("auto/4", Kubernetes));
        Assert.Contains("give it, --shard auto/N", Assert.Throws<CamException>(() => EvaluationShard.Parse("auto", Kubernetes)).Message);
        Assert.Contains("which is not 0 to 2", Assert.Throws<CamException>(() => EvaluationShard.Parse("auto/3", Kubernetes)).Message);
        Assert.Contains("neither SLURM_ARRAY_TASK_ID", Assert.Throws<CamException>(() => EvaluationShard.Parse("auto", _ => null)).Message);
        foreach (var wrong in new[] { "3/3", "-1/3", "1/0", "1", "a/b", "1/2/3", "" })
        {
            Assert.Contains("is not a shard: give K/N", Assert.Throws<CamException>(() => EvaluationShard.Parse(wrong, _ => null)).Message);
        }
    }

    [Fact]
    public void AShardDecodesOnlyItsOwnImagesOnceEach()
    {
        var options = new ShapesTrainingOptions { TrainingImages = 32, Epochs = 1, BatchSize = 16, HeldOutImages = 16, CacheDirectory = _folder.PathOf("cache") };
        using var trained = ShapesNetTrainer.TrainOrLoad(options);
        var data = new SyntheticShapes(options.Seed, options.ImageSize);
        var decodes = new int[12];
        var images = Enumerable.Range(0, 12).Select(i =>
        {
            var shape = data.SingleObject(SyntheticShapes.HeldOutStart + i);
            return EvaluationImage.Deferred($"shape {i}", shape.Image.Width, shape.Image.Height, () =>
            {
                Interlocked.Increment(ref decodes[i]);
                return shape.Image;
            }, [new GroundTruthObject((int)shape.Label, shape.Objects[0].Box)]);
        }).ToArray();
        var evaluator = new LocalizationEvaluator(trained.Model, trained.Model.GetLayer(ShapesNet.Layers.Layer4), [CamSdk.Methods.CamMethods.GradCam], ShapesNet.Preprocessor)
        {
            BatchSize = 4,
            GalleryImages = 0,
            FailureImages = 0,
        };
        var part = evaluator.EvaluatePart(new EvaluationSet(images, []), new EvaluationShard(1, 3), [new("model", "ShapesNet")], ShapesEvaluation.Report(trained, options, "shapes"));
        Assert.Equal(4, part.Images);
        Assert.Equal([0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0], decodes);

        var wrong = EvaluationImage.Deferred("resized", 32, 32, () => data.SingleObject(SyntheticShapes.HeldOutStart).Image, images[0].Objects);
        Assert.Contains("decodes to 64×64 but its header said 32×32", Assert.Throws<CamImageException>(() => wrong.Image).Message);
    }
}
