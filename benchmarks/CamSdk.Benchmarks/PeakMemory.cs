using System.Diagnostics;
using System.Globalization;
using CamSdk.Guided;
using CamSdk.Targets;
using TorchSharp;
using static TorchSharp.torch;

namespace CamSdk.Benchmarks;

/// <summary>
/// Peak resident memory (VmHWM) of one explanation against a plain forward pass, each in a fresh process:
/// <c>dotnet run -c Release --project benchmarks/CamSdk.Benchmarks -- peak</c>.
/// </summary>
internal static class PeakMemory
{
    private static readonly (string Architecture, int Size, string Scenario)[] Runs =
    [
        .. from architecture in new[] { "resnet18", "resnet50" }
           from size in new[] { 224, 1024, 2048 }
           from scenario in new[] { "forward", "gradcam", "gradcam-graph-from-input", "guided-backprop" }
           where !(scenario == "guided-backprop" && architecture == "resnet50" && size == 2048)
           select (architecture, size, scenario),
    ];

    private const string ZooPrefix = "zoo:";

    private static readonly string[] Zoo = ["resnet50", "densenet121", "efficientnet_b0", "mobilenet_v3_large", "convnext_tiny", "vit_b_16", "swin_t"];

    internal static int Run(string[] args)
    {
        if (args is ["child", var architecture, var size, var scenario])
        {
            Console.WriteLine(Child(architecture, int.Parse(size, CultureInfo.InvariantCulture), scenario).ToString(CultureInfo.InvariantCulture));
            return 0;
        }

        if (args is ["zoo"])
        {
            // One model of each family of the zoo at its default layer, 224×224: Grad-CAM's peak over a forward pass's.
            Console.WriteLine("| model | plain forward | Grad-CAM | ratio |");
            Console.WriteLine("|---|---:|---:|---:|");
            foreach (var name in Zoo)
            {
                var (forward, gradCam) = (Spawn(ZooPrefix + name, 224, "forward"), Spawn(ZooPrefix + name, 224, "gradcam"));
                Console.WriteLine($"| {name} | {forward:F2} GB | {gradCam:F2} GB | {gradCam / forward:F2} |");
            }

            return 0;
        }

        Console.WriteLine("| model | input | plain forward | Grad-CAM (CamSdk: no graph below layer4) | Grad-CAM with the graph from the input | Guided Backpropagation |");
        Console.WriteLine("|---|---|---|---|---|---|");
        foreach (var group in Runs.GroupBy(r => (r.Architecture, r.Size)))
        {
            var cells = new[] { "forward", "gradcam", "gradcam-graph-from-input", "guided-backprop" }
                .Select(s => group.Any(r => r.Scenario == s) ? $"{Spawn(group.Key.Architecture, group.Key.Size, s):F2} GB" : "—");
            Console.WriteLine($"| {group.Key.Architecture} | {group.Key.Size}² | {string.Join(" | ", cells)} |");
        }

        return 0;
    }

    private static double Spawn(string architecture, int size, string scenario)
    {
        var self = typeof(PeakMemory).Assembly.Location;
        var host = Environment.ProcessPath!;
        var start = new ProcessStartInfo(host) { RedirectStandardOutput = true };
        if (Path.GetFileNameWithoutExtension(host) == "dotnet")
        {
            start.ArgumentList.Add(self);
        }

        foreach (var arg in new[] { "peak", "child", architecture, size.ToString(CultureInfo.InvariantCulture), scenario })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var lines = process.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        process.WaitForExit();
        return double.Parse(lines[^1], CultureInfo.InvariantCulture);
    }

    /// <summary>Runs one scenario once and returns the process's peak resident memory in GB.</summary>
    private static double Child(string architecture, int size, string scenario)
    {
        NativeBackend.EnsureCorrectConvolutionGradients();
        manual_seed(1);
        var zoo = architecture.StartsWith(ZooPrefix, StringComparison.Ordinal);
        architecture = zoo ? architecture[ZooPrefix.Length..] : architecture;
        var model = zoo ? Models.ModelZoo.Create(architecture) : architecture == "resnet50" ? torchvision.models.resnet50() : torchvision.models.resnet18();
        model.eval();
        var explainable = model as IExplainableModel;
        var layer4 = zoo
            ? explainable!.GetExplainableLayer(explainable.ExplainableFacts.DefaultLayer)
            : (nn.Module<Tensor, Tensor>)model.named_children().Single(c => c.name == "layer4").module;
        using var input = randn(1, 3, size, size);
        if (zoo)
        {
            // The zoo table compares with pytorch_grad_cam_zoo.py: the peak while the call runs, with the model in
            // memory, not the temporary peak of its random initialisation (Linux resets VmHWM on "5").
            File.WriteAllText("/proc/self/clear_refs", "5");
        }

        using var scope = NewDisposeScope();
        switch (scenario)
        {
            case "forward":
                using (no_grad())
                {
                    model.call(input);
                }

                break;
            case "gradcam":
                new CamExplainer(model, layer4).Explain(input, CamTarget.Class(281));
                break;
            case "gradcam-graph-from-input":
                // What CamSdk did before: the whole forward pass records the graph (parameters require grad).
                Tensor? leaf = null;
                var hook = layer4.register_forward_hook((_, _, output) => leaf = output.detach().requires_grad_(true).DetachFromDisposeScope());
                var logits = model.call(input);
                hook.remove();
                autograd.grad([logits[.., 281].sum()], [leaf!]);
                break;
            case "guided-backprop":
                new GuidedBackpropagation(model).Explain(input, CamTarget.Class(281));
                break;
            default:
                throw new ArgumentException($"Unknown scenario '{scenario}'.");
        }

        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        var kilobytes = double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        return kilobytes / 1024 / 1024;
    }
}
