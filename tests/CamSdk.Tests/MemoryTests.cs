using System.Diagnostics;
using CamSdk.Tests.Support;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace CamSdk.Tests;

[CollectionDefinition(nameof(MemoryTests), DisableParallelization = true)]
public sealed class MemoryCollection
{
}

[Trait("Speed", "Slow")]
[Collection(nameof(MemoryTests))]
public sealed class MemoryTests(ITestOutputHelper output)
{
    /// <summary>
    /// Measured here (Debian 12, TorchSharp 0.107 CPU): the working set moves by less than 10 MB over the 2,000
    /// calls after warm-up; the bound leaves room for allocator noise while catching a leak of the maps
    /// (2,000 × 3 maps of 32×32 floats and their activations would add well over 60 MB).
    /// </summary>
    private const long WorkingSetBoundBytes = 40L * 1024 * 1024;

    [Fact]
    public void TwoThousandExplanationsKeepLiveTensorsAndWorkingSetFlat()
    {
        manual_seed(47);
        var model = new SmallCnn(classes: 10);
        using var input = randn(1, 3, 32, 32);
        var explainer = new CamExplainer(model, model.features);

        void Explain()
        {
            using var result = explainer.ExplainGuided(input);
            Assert.True(result.Cam.Heatmaps.shape[1] == 32);
        }

        for (int i = 0; i < 100; i++)
        {
            Explain();
        }

        GC.Collect();
        GC.WaitForPendingFinalizers();
        var liveTensors = torch.Tensor.TotalCount;
        var workingSet = Process.GetCurrentProcess().WorkingSet64;
        var counts = new List<long>();
        for (int i = 1; i <= 2000; i++)
        {
            Explain();
            if (i % 500 == 0)
            {
                counts.Add(torch.Tensor.TotalCount);
            }
        }

        GC.Collect();
        GC.WaitForPendingFinalizers();
        var growth = Process.GetCurrentProcess().WorkingSet64 - workingSet;
        output.WriteLine($"live tensors {liveTensors} → [{string.Join(", ", counts)}]; working set growth {growth / 1024.0 / 1024:F1} MB");
        Assert.All(counts, c => Assert.Equal(liveTensors, c));
        Assert.True(growth < WorkingSetBoundBytes, $"working set grew by {growth / 1024 / 1024} MB over 2,000 explanations");
    }
}
