using CamSdk.Evaluation;
using CamSdk.Methods;
using CamSdk.Shapes;
using CamSdk.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace CamSdk.Tests;

/// <summary>
/// An evaluation decodes the next batch's images on a second thread while it explains this one
/// (<see cref="BatchPreparation.Ahead"/>): the same figures as decoding inline, to the last digit; the overlap really
/// happens; failures and cancellations reach the caller as they would inline; and only models known to hold the Scalars
/// they pass libtorch get the second thread by default.
/// </summary>
public sealed class BatchPreparationTests : IDisposable
{
    private readonly TemporaryFolder _folder = new("camsdk-prepare-");

    public void Dispose() => _folder.Dispose();

    private ShapesTrainingOptions Options => new() { TrainingImages = 32, Epochs = 1, BatchSize = 16, HeldOutImages = 16, CacheDirectory = _folder.PathOf("cache") };

    private TrainedShapesNet Trained() => ShapesNetTrainer.TrainOrLoad(Options);

    [Fact]
    public void AheadAndInlineGiveTheSameReportToTheLastDigit()
    {
        var options = Options;
        using var trained = ShapesNetTrainer.TrainOrLoad(options);
        // 11 one-object images in batches of 4 (the last one short) and 5 pairs in batches of 2, every method of the main job.
        var set = ShapesEvaluation.BuiltInSet(options, 11, 5);
        var report = ShapesEvaluation.Report(trained, options, ShapesEvaluation.DatasetName(options));
        EvaluationReport Run(BatchPreparation preparation)
        {
            var evaluator = new LocalizationEvaluator(trained.Model, trained.Model.GetLayer(ShapesNet.Layers.Layer4), ShapesEvaluation.Methods(trained.Model), ShapesNet.Preprocessor)
            {
                BatchSize = 4,
                GalleryImages = 3,
                FailureImages = 2,
                Preparation = preparation,
            };
            Assert.Equal(preparation != BatchPreparation.Inline, evaluator.PreparesAhead);
            return report(evaluator.EvaluateLocalization(set.SingleObjectImages), evaluator.EvaluateDiscrimination(set.TwoObjectImages));
        }

        var inline = Run(BatchPreparation.Inline);
        var ahead = Run(BatchPreparation.Ahead);
        var automatic = Run(BatchPreparation.Automatic);
        Assert.Equal(11, inline.Localization.Images);
        Assert.Equal(inline.ToMetricsJson(), ahead.ToMetricsJson());
        Assert.Equal(inline.ToHtml(), ahead.ToHtml());
        Assert.Equal(inline.ToMetricsJson(), automatic.ToMetricsJson());
    }

    [Fact]
    public void AheadDecodesTheNextBatchWhileThisOneIsExplained()
    {
        using var trained = Trained();
        var nextBatchDecoding = new ManualResetEventSlim();
        var callers = new System.Collections.Concurrent.ConcurrentBag<(int Image, int Thread)>();
        var images = Images(8, i =>
        {
            callers.Add((i, Environment.CurrentManagedThreadId));
            if (i == 4)
            {
                nextBatchDecoding.Set();
            }
        });
        // The method holds the first batch's explanation until the second batch's first image is being decoded: it can
        // only be let go if that decoding runs beside the explanation (it gives up after a minute, and says so).
        var gate = new Gate(nextBatchDecoding);
        var evaluator = new LocalizationEvaluator(trained.Model, trained.Model.GetLayer(ShapesNet.Layers.Layer4), [gate], ShapesNet.Preprocessor)
        {
            BatchSize = 4,
            GalleryImages = 0,
            FailureImages = 0,
            Preparation = BatchPreparation.Ahead,
        };
        var evaluation = evaluator.EvaluateLocalization(images);
        Assert.Equal(8, evaluation.Images);
        Assert.Equal([true, true], gate.Released);
        Assert.Equal(8, callers.Count);
        // The second batch was decoded beside the first one's explanation, so on another thread (the first batch has
        // nothing to overlap: the caller may decode it itself while it waits).
        Assert.DoesNotContain(callers, c => c.Image >= 4 && c.Thread == Environment.CurrentManagedThreadId);

        // Inline, every image is decoded on the caller's thread.
        callers.Clear();
        var inline = new LocalizationEvaluator(trained.Model, trained.Model.GetLayer(ShapesNet.Layers.Layer4), [CamMethods.GradCam], ShapesNet.Preprocessor)
        {
            BatchSize = 4,
            GalleryImages = 0,
            FailureImages = 0,
            Preparation = BatchPreparation.Inline,
        };
        inline.EvaluateLocalization(images);
        Assert.Equal(8, callers.Count);
        Assert.All(callers, c => Assert.Equal(Environment.CurrentManagedThreadId, c.Thread));
    }

    [Fact]
    public void AFailedDecodingReachesTheCallerAsItWouldInlineAndNothingIsLeftRunning()
    {
        using var trained = Trained();
        var model = trained.Model;
        model.train();
        var decodedAfterFailure = 0;
        var failed = false;
        var images = Images(12, i =>
        {
            if (failed)
            {
                Interlocked.Increment(ref decodedAfterFailure);
            }

            if (i == 6)
            {
                failed = true;
                throw new CamImageException("image 6 is damaged");
            }
        });
        foreach (var preparation in new[] { BatchPreparation.Inline, BatchPreparation.Ahead })
        {
            (failed, decodedAfterFailure) = (false, 0);
            var evaluator = new LocalizationEvaluator(model, model.GetLayer(ShapesNet.Layers.Layer4), [CamMethods.GradCam], ShapesNet.Preprocessor)
            {
                BatchSize = 4,
                Preparation = preparation,
            };
            var error = Assert.Throws<CamImageException>(() => evaluator.EvaluateLocalization(images));
            Assert.Equal("image 6 is damaged", error.Message);
            // The model is left as it was found; batch 2 (images 8 to 11) is never decoded, ahead or not.
            Assert.True(model.training);
            Assert.Equal(0, decodedAfterFailure);
        }

        model.eval();
    }

    [Fact]
    public void ACancelledEvaluationStopsBothThreads()
    {
        using var trained = Trained();
        using var cancellation = new CancellationTokenSource();
        var decoded = 0;
        var images = Images(16, i =>
        {
            if (Interlocked.Increment(ref decoded) == 6)
            {
                // Batch 1 is being decoded while batch 0 is explained: cancel now.
                cancellation.Cancel();
            }
        });
        var evaluator = new LocalizationEvaluator(trained.Model, trained.Model.GetLayer(ShapesNet.Layers.Layer4), [CamMethods.GradCam], ShapesNet.Preprocessor)
        {
            BatchSize = 4,
            Preparation = BatchPreparation.Ahead,
        };
        Assert.ThrowsAny<OperationCanceledException>(() => evaluator.EvaluateLocalization(images, cancellationToken: cancellation.Token));
        // Batches 0 and 1 at most: the cancelled run starts no further decoding, and none runs after it returned.
        var after = Volatile.Read(ref decoded);
        Assert.InRange(after, 6, 8);
        Thread.Sleep(100);
        Assert.Equal(after, Volatile.Read(ref decoded));
    }

    [Fact]
    public void OnlyModelsKnownToHoldTheirScalarsAreDecodedAheadByDefault()
    {
        using var trained = Trained();
        var layer = trained.Model.GetLayer(ShapesNet.Layers.Layer4);
        var shapes = new LocalizationEvaluator(trained.Model, layer, [CamMethods.GradCam], ShapesNet.Preprocessor);
        Assert.True(shapes.PreparesAhead);
        Assert.Null(shapes.InlineReason);

        // A model of the user's own: its forward may pass libtorch temporary Scalars (x + identity).
        using var own = new OwnModel();
        var evaluator = new LocalizationEvaluator(own, own.Features, [CamMethods.GradCam], ShapesNet.Preprocessor);
        Assert.False(evaluator.PreparesAhead);
        Assert.Equal("module '(the model)' (CamSdk.Tests.BatchPreparationTests+OwnModel) is not known to hold the Scalars it passes libtorch", evaluator.InlineReason);
        Assert.True(new LocalizationEvaluator(own, own.Features, [CamMethods.GradCam], ShapesNet.Preprocessor) { Preparation = BatchPreparation.Ahead }.PreparesAhead);

        // TorchSharp's LeakyReLU converts its slope to a Scalar nothing holds; its ReLU and BatchNorm2d (in evaluation) do not.
        using var leaky = nn.Sequential(("conv", nn.Conv2d(3, 4, 3)), ("norm", nn.BatchNorm2d(4)), ("act", nn.LeakyReLU()), ("pool", nn.AdaptiveAvgPool2d(1)), ("flat", nn.Flatten())); // Unheld Scalars allowed: built to be recognised, never run
        Assert.Equal("module 'act' (TorchSharp.Modules.LeakyReLU) is not known to hold the Scalars it passes libtorch", new LocalizationEvaluator(leaky, (nn.Module<Tensor, Tensor>)leaky[0], [CamMethods.GradCam], ShapesNet.Preprocessor).InlineReason);
        using var plain = nn.Sequential(("conv", nn.Conv2d(3, 4, 3)), ("norm", nn.BatchNorm2d(4)), ("act", nn.ReLU()), ("pool", nn.AdaptiveAvgPool2d(1)), ("flat", nn.Flatten()));
        Assert.True(new LocalizationEvaluator(plain, (nn.Module<Tensor, Tensor>)plain[0], [CamMethods.GradCam], ShapesNet.Preprocessor).PreparesAhead);
    }

    /// <summary>Held-out one-object images decoded on demand, each decoding reported to <paramref name="decoding"/> first.</summary>
    private EvaluationImage[] Images(int count, Action<int> decoding)
    {
        var data = new SyntheticShapes(Options.Seed, Options.ImageSize);
        return [.. Enumerable.Range(0, count).Select(i =>
        {
            var shape = data.SingleObject(SyntheticShapes.HeldOutStart + i);
            return EvaluationImage.Deferred($"shape {i}", shape.Image.Width, shape.Image.Height, () =>
            {
                decoding(i);
                return shape.Image;
            }, [new GroundTruthObject((int)shape.Label, shape.Objects[0].Box)]);
        })];
    }

    /// <summary>A CAM method that, on its first batch, waits for a signal before making its maps (the activations' sum).</summary>
    private sealed class Gate(ManualResetEventSlim signal) : CamMethod
    {
        public List<bool> Released { get; } = [];

        public override string Name => "Gate";

        public override bool UsesGradients => false;

        protected internal override Tensor ComputeMaps(CamCapture capture, bool eigenSmooth)
        {
            Released.Add(Released.Count > 0 || signal.Wait(TimeSpan.FromMinutes(1)));
            return capture.Activations.sum(1);
        }
    }

    private sealed class OwnModel : nn.Module<Tensor, Tensor>
    {
        public OwnModel()
            : base(nameof(OwnModel))
        {
            Features = nn.Conv2d(3, 4, 3);
            Head = nn.Linear(4, 6);
            RegisterComponents();
        }

        public nn.Module<Tensor, Tensor> Features { get; }

        public nn.Module<Tensor, Tensor> Head { get; }

        public override Tensor forward(Tensor input)
        {
            using var features = Features.call(input);
            using var pooled = features.mean([2, 3]);
            return Head.call(pooled);
        }
    }
}
