using System.Diagnostics;
using System.Globalization;
using System.Text;
using CamSdk.Guided;
using CamSdk.Methods;
using CamSdk.Targets;
using TorchSharp;
using static TorchSharp.torch;

namespace CamSdk.Benchmarks;

/// <summary>
/// The GPU check (benchmarks/gpu/run.sh): TorchVision's ResNet-50 at 224×224 on a CUDA device, random weights (seed 1),
/// class 281. Maps against the CPU's on the same weights and input, with TF32 off and on; then median times of a plain
/// forward pass, Grad-CAM, and the seven gradient methods from one call, at batch 1 and 32, each run ending with
/// <c>cuda.synchronize()</c>. Writes a Markdown table to standard output and to the file given.
/// </summary>
internal static class GpuCheck
{
    /// <summary>Heatmaps (in [0, 1]) from CUDA within this of the CPU's, TF32 off: float32 kernels in another order.</summary>
    private const double Tolerance = 1e-4;

    /// <summary>With TF32 on (cuDNN's and cuBLAS's 10-bit mantissa), within this.</summary>
    private const double Tf32Tolerance = 2e-2;

    private static readonly CamMethod[] GradientMethods =
        [CamMethods.GradCam, CamMethods.GradCamPlusPlus, CamMethods.XGradCam, CamMethods.HiResCam, CamMethods.GradCamElementWise, CamMethods.LayerCam, CamMethods.EigenGradCam];

    internal static int Run(string[] args)
    {
        var libtorch = LibTorch.UseFromEnvironment();
        var device = Devices.Resolve(args.FirstOrDefault() ?? "cuda");
        var output = args.Skip(1).FirstOrDefault() ?? "gpu-results.md";
        // "quick": a dry run of the script where there is no GPU (batch 4, 2 timed runs), e.g. gpu cpu out.md quick.
        var quick = args.Contains("quick");
        var onGpu = device.Device.type == DeviceType.CUDA;
        (Warmups, Runs) = quick ? (1, 2) : (5, 20);
        var report = new StringBuilder();
        void Line(string text)
        {
            Console.WriteLine(text);
            report.AppendLine(text);
        }

        Line($"# GPU check, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        Line(string.Empty);
        Line($"libtorch: {libtorch?.ToString() ?? "the application's own"}; device: {device}; CUDA devices: {cuda.device_count()}; .NET {Environment.Version}; CPU threads {get_num_threads()}.");
        Line(string.Empty);

        manual_seed(1);
        var model = torchvision.models.resnet50();
        model.eval();
        var layer4 = (nn.Module<Tensor, Tensor>)model.named_children().Single(c => c.name == "layer4").module;
        var target = CamTarget.Class(281);
        manual_seed(2);
        using var one = randn(1, 3, 224, 224);
        using var batch = randn(quick ? 4 : 32, 3, 224, 224);

        // The CPU's maps first, then the same on the GPU.
        var explainer = new CamExplainer(model, layer4);
        using var cpuMaps = explainer.Explain(one, GradientMethods, target);
        using var cpuGuided = new GuidedBackpropagation(model).Explain(one, target);
        model.to(device.Device);
        using var gpuOne = one.to(device.Device);
        using var gpuBatch = batch.to(device.Device);

        var passed = true;
        Line("## Maps against the CPU's (batch 1; heatmaps in [0, 1]; Guided Backpropagation relative to its largest value)");
        Line(string.Empty);
        Line("| TF32 | " + string.Join(" | ", GradientMethods.Select(m => m.Name)) + " | Guided Backpropagation | tolerance |");
        Line("|---|" + string.Concat(Enumerable.Repeat("---:|", GradientMethods.Length + 2)));
        foreach (var tf32 in onGpu ? new[] { false, true } : [false])
        {
            if (onGpu)
            {
                backends.cuda.matmul.allow_tf32 = tf32;
                backends.cudnn.allow_tf32 = tf32;
            }

            using var maps = explainer.Explain(gpuOne, GradientMethods, target);
            using var guided = new GuidedBackpropagation(model).Explain(gpuOne, target);
            var differences = GradientMethods.Select(m => MaxAbsDifference(cpuMaps[m].Heatmaps, maps[m].Heatmaps)).ToList();
            using var scale = cpuGuided.Gradients.abs().max();
            differences.Add(MaxAbsDifference(cpuGuided.Gradients, guided.Gradients) / scale.item<float>());
            var tolerance = tf32 ? Tf32Tolerance : Tolerance;
            passed &= differences.All(d => d < tolerance);
            Line($"| {(tf32 ? "on" : "off")} | " + string.Join(" | ", differences.Select(d => d.ToString("0.0E+0", CultureInfo.InvariantCulture))) + $" | {tolerance.ToString("0E+0", CultureInfo.InvariantCulture)} |");
        }

        if (onGpu)
        {
            backends.cuda.matmul.allow_tf32 = false;
            backends.cudnn.allow_tf32 = false;
        }

        Line(string.Empty);
        Line($"## Times (median of {Runs} after {Warmups} warm-ups, TF32 off)");
        Line(string.Empty);
        Line($"| | batch 1 | ratio | batch {batch.shape[0]} | ratio |");
        Line("|---|---:|---:|---:|---:|");
        var forward = new[] { Time(() => Forward(model, gpuOne)), Time(() => Forward(model, gpuBatch)) };
        void Row(string name, Func<Tensor, IDisposable> run)
        {
            var times = new[] { Time(() => run(gpuOne).Dispose()), Time(() => run(gpuBatch).Dispose()) };
            Line($"| {name} | {times[0]:F1} ms | {times[0] / forward[0]:F2} | {times[1]:F1} ms | {times[1] / forward[1]:F2} |");
        }

        Line($"| plain forward, no_grad (baseline) | {forward[0]:F1} ms | 1.00 | {forward[1]:F1} ms | 1.00 |");
        Row("CamSdk Grad-CAM", input => explainer.Explain(input, target));
        Row("CamSdk, 7 gradient methods from one call", input => explainer.Explain(input, GradientMethods, target));
        Row("Guided Backpropagation", input => new GuidedBackpropagation(model).Explain(input, target));
        Line(string.Empty);
        Line(passed ? "Maps: within the tolerances." : "Maps: BEYOND the tolerances (see the first table).");
        File.WriteAllText(output, report.ToString());
        Console.WriteLine($"Written to {Path.GetFullPath(output)}.");
        return passed ? 0 : 1;
    }

    private static void Forward(nn.Module<Tensor, Tensor> model, Tensor input)
    {
        using var noGrad = no_grad();
        using var output = model.call(input);
    }

    private static int Warmups { get; set; } = 5;

    private static int Runs { get; set; } = 20;

    /// <summary>The median wall time of <paramref name="run"/> in milliseconds, a GPU synchronised after each run.</summary>
    private static double Time(Action run)
    {
        for (var i = 0; i < Warmups; i++)
        {
            run();
            Synchronize();
        }

        var times = new List<double>();
        for (var i = 0; i < Runs; i++)
        {
            var clock = Stopwatch.StartNew();
            run();
            Synchronize();
            times.Add(clock.Elapsed.TotalMilliseconds);
        }

        times.Sort();
        return times[times.Count / 2];
    }

    private static void Synchronize()
    {
        if (cuda.is_available())
        {
            cuda.synchronize();
        }
    }

    private static double MaxAbsDifference(Tensor expected, Tensor actual)
    {
        using var scope = NewDisposeScope();
        return (expected.to(float64).cpu() - actual.to(float64).cpu()).abs().max().item<double>();
    }
}
