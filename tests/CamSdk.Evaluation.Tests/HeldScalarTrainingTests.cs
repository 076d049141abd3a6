using CamSdk.Internal;
using CamSdk.Models;
using CamSdk.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;
using CamSdk.Shapes;

namespace CamSdk.Tests;

/// <summary>The trainer's Adam and ShapesNet's batch norm hold their Scalars and are otherwise TorchSharp's, to the bit.</summary>
public sealed class HeldScalarTrainingTests
{
    [Fact]
    public void StepsAreBitForBitThoseOfTorchSharpsAdamUnderACosineSchedule()
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(7);
        manual_seed(7);
        var reference = new SmallCnn();
        var held = new SmallCnn();
        held.load_state_dict(reference.state_dict());
        var initial = reference.parameters().Select(p => p.detach().clone()).ToList();
        const int Steps = 6;
        using var referenceAdam = optim.Adam(reference.parameters(), lr: 0.01);
        using var heldAdam = new HeldScalarAdam(held.parameters(), 0.01);
        var referenceSchedule = optim.lr_scheduler.CosineAnnealingLR(referenceAdam, Steps);
        var heldSchedule = optim.lr_scheduler.CosineAnnealingLR(heldAdam, Steps);
        var pairs = reference.parameters().Zip(held.parameters()).ToList();
        for (var step = 0; step < Steps; step++)
        {
            // One backward pass, its gradients given to both: the test compares the optimisers, nothing else.
            var input = randn([4, 3, 8, 8], generator: generator);
            var labels = randint(5, [4], generator: generator);
            referenceAdam.zero_grad();
            heldAdam.zero_grad();
            nn.functional.cross_entropy(reference.call(input), labels).backward();
            foreach (var (r, h) in pairs)
            {
                h.grad = r.grad!.clone();
            }

            referenceAdam.step(); // Unheld Scalars allowed: TorchSharp's own Adam is the reference.
            heldAdam.step();
            referenceSchedule.step();
            heldSchedule.step();
            foreach (var (r, h) in pairs)
            {
                Assert.True(r.allclose(h, rtol: 0, atol: 0), $"step {step + 1}: parameters differ by up to {(r - h).abs().max().item<float>()}");
            }
        }

        Assert.All(reference.parameters().Zip(initial), p => Assert.False(p.First.allclose(p.Second, rtol: 0, atol: 0), "a parameter never moved"));
    }

    [Fact]
    public void BatchNormIsBitForBitTorchSharpsInTrainingAndEvaluation()
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(11);
        var reference = nn.BatchNorm2d(4);
        using (no_grad())
        {
            reference.weight.copy_(randn([4], generator: generator));
            reference.bias!.copy_(randn([4], generator: generator));
        }

        var held = new HeldScalarBatchNorm2d(4);
        held.load_state_dict(reference.state_dict());
        Assert.Equal(reference.state_dict().Keys.Order(), held.state_dict().Keys.Order());
        for (var batch = 1; batch <= 3; batch++)
        {
            var input = randn([2, 4, 5, 5], generator: generator).mul(Scalars.Of(3));
            Assert.True(reference.call(input).allclose(held.call(input), rtol: 0, atol: 0), $"training batch {batch}");
            foreach (var name in new[] { "running_mean", "running_var", "num_batches_tracked" })
            {
                Assert.True(reference.state_dict()[name].allclose(held.state_dict()[name], rtol: 0, atol: 0), $"{name} after batch {batch}");
            }
        }

        Assert.Equal(3L, held.num_batches_tracked!.item<long>());
        reference.eval();
        held.eval();
        var last = randn([2, 4, 5, 5], generator: generator);
        Assert.True(reference.call(last).allclose(held.call(last), rtol: 0, atol: 0), "evaluation");
        Assert.Equal(3L, held.num_batches_tracked!.item<long>());
    }
}
