using CamSdk.Evaluation;
using CamSdk.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

using CamSdk.Internal;
namespace CamSdk.Tests;

/// <summary>Faithfulness metrics on constructed models with analytically known answers, and ROAD's imputation against pytorch-grad-cam's.</summary>
public sealed class FaithfulnessTests
{
    /// <summary>Scores: class 0 = the sum of channel 0 over the top-left 2 × 2 pixels; class 1 = 0.</summary>
    private sealed class RegionSumNet : nn.Module<Tensor, Tensor>
    {
        public RegionSumNet() : base(nameof(RegionSumNet)) => RegisterComponents();

        public override Tensor forward(Tensor input)
        {
            var region = input[TensorIndex.Colon, TensorIndex.Single(0), TensorIndex.Slice(0, 2), TensorIndex.Slice(0, 2)].sum([1, 2]);
            return stack([region, zeros_like(region)], 1);
        }
    }

    /// <summary>A 4 × 4 map that ranks the top-left 2 × 2 region first.</summary>
    private static float[,] RegionFirst()
    {
        var map = new float[4, 4];
        for (var r = 0; r < 4; r++)
        {
            for (var c = 0; c < 4; c++)
            {
                map[r, c] = r < 2 && c < 2 ? 1f - (0.01f * (r * 4 + c)) : 0.1f * (r * 4 + c) / 16;
            }
        }

        return map;
    }

    [Fact]
    public void DeletionOfTheScoredRegionGivesTheAnalyticCurve()
    {
        using var model = new RegionSumNet();
        using var image = ones(1, 3, 4, 4);
        // Two pixels per step: the region's four pixels go in the first two steps, so the score is 4, 2, then 0.
        var deletion = Faithfulness.Deletion(model, image, [RegionFirst()], [0], PerturbationBaseline.Zero, step: 2, FaithfulnessScore.Logit);
        Assert.Equal([4.0, 2, 0, 0, 0, 0, 0, 0, 0], deletion.Scores);
        Assert.Equal([0.0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875, 1], deletion.Fractions);
        Assert.Equal((6 - (4 / 2.0)) / 8, deletion.Area, 12); // RISE's auc: (Σ − first/2 − last/2) / (n − 1)

        var insertion = Faithfulness.Insertion(model, image, [RegionFirst()], [0], PerturbationBaseline.Zero, step: 2, FaithfulnessScore.Logit);
        Assert.Equal([0.0, 2, 4, 4, 4, 4, 4, 4, 4], insertion.Scores);
        Assert.Equal((30 - (4 / 2.0)) / 8, insertion.Area, 12);

        // The reverse order removes the region last: the score stays 4 until the last two steps.
        var late = Faithfulness.Deletion(model, image, [Reversed(RegionFirst())], [0], PerturbationBaseline.Zero, step: 2, FaithfulnessScore.Logit);
        Assert.Equal([4.0, 4, 4, 4, 4, 4, 4, 2, 0], late.Scores);
    }

    [Fact]
    public void TheMeanBaselineOfAConstantImageChangesNothing()
    {
        using var model = new RegionSumNet();
        using var image = full(1, 3, 4, 4, Scalars.Of(0.5));
        var deletion = Faithfulness.Deletion(model, image, [RegionFirst()], [0], PerturbationBaseline.Mean, step: 4, FaithfulnessScore.Logit);
        Assert.Equal(5, deletion.Scores.Count); // 16 pixels, 4 a step, and the start
        Assert.All(deletion.Scores, s => Assert.Equal(2.0, s, 6));
    }

    [Fact]
    public void ProbabilityScoresAreTheSoftmaxOfTheLogits()
    {
        using var model = new RegionSumNet();
        using var image = ones(1, 3, 4, 4);
        var deletion = Faithfulness.Deletion(model, image, [RegionFirst()], [0], PerturbationBaseline.Zero, step: 2);
        Assert.Equal(1 / (1 + Math.Exp(-4)), deletion.Scores[0], 6);
        Assert.Equal(0.5, deletion.Scores[^1], 6);
    }

    [Fact]
    public void ConfidenceChangeMultipliesTheInputByTheMap()
    {
        using var model = new RegionSumNet();
        using var image = ones(2, 3, 4, 4);
        var half = new float[4, 4];
        for (var r = 0; r < 4; r++)
        {
            for (var c = 0; c < 4; c++)
            {
                half[r, c] = 0.5f;
            }
        }

        var region = new float[4, 4];
        (region[0, 0], region[0, 1], region[1, 0], region[1, 1]) = (1, 1, 1, 1);
        var change = Faithfulness.ConfidenceChange(model, image, [half, region], [0, 0], FaithfulnessScore.Logit);
        Assert.Equal(-2.0, change[0], 6);
        Assert.Equal(0.0, change[1], 6);
    }

    [Fact]
    public void RoadImputationMatchesPytorchGradCam()
    {
        // pytorch-grad-cam's NoisyLinearImputer with noise 0 (SciPy's spsolve), on img[ch, r, c] = ((3ch + 7r + 5c + rc) mod 11) / 10.
        var image = new float[3, 5, 6];
        for (var ch = 0; ch < 3; ch++)
        {
            for (var r = 0; r < 5; r++)
            {
                for (var c = 0; c < 6; c++)
                {
                    image[ch, r, c] = ((ch * 3 + r * 7 + c * 5 + r * c) % 11) / 10f;
                }
            }
        }

        var keep = new bool[5, 6];
        for (var r = 0; r < 5; r++)
        {
            for (var c = 0; c < 6; c++)
            {
                keep[r, c] = true;
            }
        }

        (int R, int C)[] holes = [(0, 0), (0, 1), (1, 1), (2, 3), (2, 4), (3, 3), (4, 5)];
        foreach (var (r, c) in holes)
        {
            keep[r, c] = false;
        }

        double[][] expected =
        [
            [0.7641414141414141, 0.8224747474747476, 0.7757575757575756, 0.5903225806451612, 0.6325062034739454, 0.5094292803970223, 0.7799999999999999],
            [0.6808080808080809, 0.4641414141414142, 0.47575757575757577, 0.47338709677419344, 0.46439205955334983, 0.4259305210918113, 0.42],
            [0.29747474747474745, 0.35580808080808074, 0.37575757575757573, 0.507258064516129, 0.4313895781637717, 0.5621588089330025, 0.28],
        ];
        var imputed = RoadImputation.Impute(image, keep, noise: 0);
        for (var ch = 0; ch < 3; ch++)
        {
            for (var h = 0; h < holes.Length; h++)
            {
                Assert.Equal(expected[ch][h], imputed[ch, holes[h].R, holes[h].C], 6); // float32 output
            }
        }

        // Kept pixels are untouched.
        Assert.Equal(image[1, 4, 4], imputed[1, 4, 4]);

        // One interior hole: the weighted mean of its eight neighbours (1/6 for sides, 1/12 for diagonals), by hand.
        var single = new bool[5, 6];
        for (var r = 0; r < 5; r++)
        {
            for (var c = 0; c < 6; c++)
            {
                single[r, c] = (r, c) != (2, 2);
            }
        }

        var one = RoadImputation.Impute(image, single, noise: 0);
        for (var ch = 0; ch < 3; ch++)
        {
            var sides = image[ch, 1, 2] + image[ch, 3, 2] + image[ch, 2, 1] + image[ch, 2, 3];
            var diagonals = image[ch, 1, 1] + image[ch, 1, 3] + image[ch, 3, 1] + image[ch, 3, 3];
            Assert.Equal((sides / 6.0) + (diagonals / 12.0), one[ch, 2, 2], 6);
        }

        Assert.Equal(0.5083333333333333, one[0, 2, 2], 6);
        Assert.Equal(0.44166666666666665, one[1, 2, 2], 6);
        Assert.Equal(0.65, one[2, 2, 2], 6);
    }

    [Fact]
    public void RoadRemovesThePercentilesPytorchGradCamRemoves()
    {
        using var model = new RegionSumNet();
        // Distinct pixel values; the scored region is pixels 0, 1, 4 and 5 (flat indices of the 4 × 4 image).
        var picture = new float[3, 4, 4];
        for (var p = 0; p < 16; p++)
        {
            picture[0, p / 4, p % 4] = ((p * 7) % 16 + 1) / 16f;
        }

        using var image = tensor(picture).unsqueeze(0);
        // Ranks: pixel 0 first, then 2, 3 and 7 (outside the region); pixel 5 and 13 to 15 last.
        float[] values = [1.0f, 0.55f, 0.9f, 0.8f, 0.5f, 0.0f, 0.45f, 0.7f, 0.4f, 0.35f, 0.3f, 0.25f, 0.2f, 0.03f, 0.02f, 0.01f];
        var map = new float[4, 4];
        for (var p = 0; p < 16; p++)
        {
            map[p / 4, p % 4] = values[p];
        }

        // At the 75th percentile (between the 12th and 13th of 16 sorted values), most relevant first removes exactly
        // pixels 0, 2, 3, 7, and least relevant first exactly pixels 5, 13, 14, 15; the rest are kept as they are.
        double Expected(int[] removed)
        {
            var keep = new bool[4, 4];
            for (var p = 0; p < 16; p++)
            {
                keep[p / 4, p % 4] = !removed.Contains(p);
            }

            var imputed = RoadImputation.Impute(picture, keep, noise: 0);
            return (imputed[0, 0, 0] + imputed[0, 0, 1] + imputed[0, 1, 0] + imputed[0, 1, 1]) - (picture[0, 0, 0] + picture[0, 0, 1] + picture[0, 1, 0] + picture[0, 1, 1]);
        }

        var morf = Faithfulness.Road(model, image, [map], [0], RoadOrder.MostRelevantFirst, 75, noise: 0, score: FaithfulnessScore.Logit);
        Assert.Equal(Expected([0, 2, 3, 7]), morf[0], 5);
        var lerf = Faithfulness.Road(model, image, [map], [0], RoadOrder.LeastRelevantFirst, 75, noise: 0, score: FaithfulnessScore.Logit);
        Assert.Equal(Expected([5, 13, 14, 15]), lerf[0], 5);
        Assert.NotEqual(0, morf[0], 3); // the removals do change the score: the test can tell them apart
        Assert.NotEqual(0, lerf[0], 3);
        Assert.NotEqual(morf[0], lerf[0], 3);

        // A constant image imputes to itself whatever is removed: every ROAD change is 0.
        using var flat = full(1, 3, 4, 4, Scalars.Of(0.25));
        var combined = Faithfulness.RoadCombined(model, flat, [map], [0], noise: 0, score: FaithfulnessScore.Logit);
        Assert.Equal(0.0, combined.Combined[0], 6);
        Assert.NotEmpty(combined.MostRelevantFirst);
        Assert.NotEmpty(combined.LeastRelevantFirst);
        Assert.All(combined.MostRelevantFirst.Concat(combined.LeastRelevantFirst), v => Assert.Equal(0.0, v, 6));
    }

    [Fact]
    public void CurvesOfSeveralImagesAcrossScoringBatchesKeepEachImagesOrder()
    {
        using var model = new RegionSumNet();
        // 20 images, 17 points each: 340 perturbed images, scored in several batches.
        var images = ones(20, 3, 4, 4) * arange(Scalars.Of(1), Scalars.Of(21), Scalars.Of(1)).view(20, 1, 1, 1);
        using var _ = images;
        var maps = Enumerable.Range(0, 20).Select(i => i % 2 == 0 ? RegionFirst() : Reversed(RegionFirst())).ToArray();
        var deletion = Faithfulness.Deletion(model, images, maps, [.. Enumerable.Repeat(0, 20)], PerturbationBaseline.Zero, step: 1, FaithfulnessScore.Logit);
        // Image i scores 4(i + 1) intact; region first loses (i + 1) per step for 4 steps, reversed keeps it for 12 steps.
        for (var i = 0; i < 20; i++)
        {
            var scale = i + 1;
            double[] curve = i % 2 == 0
                ? [.. Enumerable.Range(0, 17).Select(k => scale * Math.Max(0, 4 - k))]
                : [.. Enumerable.Range(0, 17).Select(k => scale * Math.Min(4, 16 - k))];
            var area = (curve.Sum() - (curve[0] / 2) - (curve[^1] / 2)) / 16;
            Assert.Equal(area, deletion.Areas[i], 4);
        }
    }

    private static float[,] Reversed(float[,] map)
    {
        var result = new float[4, 4];
        for (var r = 0; r < 4; r++)
        {
            for (var c = 0; c < 4; c++)
            {
                result[r, c] = 1 - map[r, c];
            }
        }

        return result;
    }

    [Fact]
    public void RoadNoiseFollowsTheSeedAndOnlyTheSeed()
    {
        using var model = new RegionSumNet();
        manual_seed(2);
        using var image = rand(3, 3, 6, 6);
        float[][,] maps = [.. Enumerable.Range(0, 3).Select(i => { var m = new float[6, 6]; for (var p = 0; p < 36; p++) { m[p / 6, p % 6] = ((p * (7 + i)) % 37) / 37f; } return m; })];
        int[] classes = [0, 0, 0];
        var first = Faithfulness.RoadCombined(model, image, maps, classes, seed: 5, score: FaithfulnessScore.Logit);
        var again = Faithfulness.RoadCombined(model, image, maps, classes, seed: 5, score: FaithfulnessScore.Logit);
        var other = Faithfulness.RoadCombined(model, image, maps, classes, seed: 6, score: FaithfulnessScore.Logit);
        var noiseless = Faithfulness.RoadCombined(model, image, maps, classes, noise: 0, score: FaithfulnessScore.Logit);
        Assert.Equal(first.Combined, again.Combined);
        Assert.NotEqual(first.Combined, other.Combined);
        // The noise is small (0.01 per pixel, at most 4 pixels scored): the figures stay within 0.1 of the noiseless ones.
        Assert.All(first.Combined.Zip(noiseless.Combined), pair => Assert.InRange(pair.First - pair.Second, -0.1, 0.1));
        Assert.NotEqual(first.Combined, noiseless.Combined);
    }

    [Fact]
    public void BadInputIsRefusedWithAReason()
    {
        using var model = new RegionSumNet();
        using var image = ones(1, 3, 4, 4);
        Assert.Contains("one map and one class per image", Assert.Throws<ArgumentException>(() => Faithfulness.Deletion(model, image, [RegionFirst(), RegionFirst()], [0])).Message);
        Assert.Contains("input's size", Assert.Throws<ArgumentException>(() => Faithfulness.Deletion(model, image, [new float[3, 3]], [0])).Message);
        Assert.Contains("step", Assert.Throws<ArgumentOutOfRangeException>(() => Faithfulness.Deletion(model, image, [RegionFirst()], [0], step: 0)).Message);
        Assert.Contains("class 7 is not one of them", Assert.Throws<CamTargetException>(() => Faithfulness.ConfidenceChange(model, image, [RegionFirst()], [7])).Message);
        Assert.Contains("0 to 100", Assert.Throws<ArgumentOutOfRangeException>(() => Faithfulness.Road(model, image, [RegionFirst()], [0], RoadOrder.MostRelevantFirst, 120)).Message);
        Assert.Contains("one flag per pixel", Assert.Throws<ArgumentException>(() => RoadImputation.Impute(new float[1, 2, 2], new bool[3, 3])).Message);

        // A model on another device than the images (the meta device stands in for a GPU): said, not a libtorch error.
        using var elsewhere = new SmallCnn(classes: 2);
        elsewhere.to(new Device(DeviceType.META));
        using var larger = ones(1, 3, 8, 8);
        Assert.Contains("The model is on meta but the image batch is on cpu", Assert.Throws<CamInputException>(() => Faithfulness.Deletion(elsewhere, larger, [new float[8, 8]], [0])).Message);
    }
}
