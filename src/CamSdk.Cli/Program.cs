using System;
using System.CommandLine;
using System.Linq;
using System.Threading;
using CamSdk;
using CamSdk.Cli;
using Spectre.Console;

return CommandLine.Run(args, AnsiConsole.Console, CancellationToken.None);

namespace CamSdk.Cli
{
    /// <summary>The <c>camsdk</c> command line.</summary>
    internal static class CommandLine
    {
        internal static int Run(string[] args, IAnsiConsole console, CancellationToken cancellationToken)
        {
            var arch = new Option<string>("--arch") { Description = $"The architecture: {Architecture.Names}.", Required = true };
            var weights = new Option<string?>("--weights") { Description = "The weights: what torch.save(model.state_dict(), path) writes (.pth/.pt, checkpoints too), .safetensors, or TorchSharp .dat." };
            var image = new Option<string[]>("--image") { Description = "An image (PNG, JPEG, BMP, WebP) or a folder of them; repeatable.", AllowMultipleArgumentsPerToken = true };
            var inputNpy = new Option<string?>("--input-npy") { Description = "An already preprocessed N×3×H×W float32 .npy batch, instead of --image." };
            var classIndex = new Option<int?>("--class") { Description = "The class to explain (default: the predicted class)." };
            var top = new Option<int>("--top") { Description = "Explain the k highest-scoring classes of each image.", DefaultValueFactory = _ => 1 };
            var method = new Option<string>("--method")
            {
                Description = $"The method, or several as a comma-separated list computed in one pass: {string.Join(", ", MethodNames.All)}.",
                DefaultValueFactory = _ => "gradcam",
            };
            method.CompletionSources.Add(MethodNames.All.ToArray());
            var layer = new Option<string?>("--layer") { Description = "The layer to explain (default: the architecture's last convolutional block, e.g. layer4)." };
            var device = new Option<string>("--device") { Description = "cpu or cuda.", DefaultValueFactory = _ => "cpu" };
            var output = new Option<string>("--out") { Description = "The folder to write pictures, JSON summaries and arrays to.", Required = true };
            var saveRaw = new Option<bool>("--save-raw") { Description = "Also write every computed array as a NumPy .npy file, to compare with Python tools." };
            var labels = new Option<string?>("--labels") { Description = "A text file with one class name per line, to name classes in pictures and summaries." };
            var resize = new Option<int>("--resize") { Description = "Images: the shorter side after resizing (torchvision's Resize).", DefaultValueFactory = _ => 256 };
            var crop = new Option<int>("--crop") { Description = "Images: the centre crop's side (torchvision's CenterCrop).", DefaultValueFactory = _ => 224 };
            var eigenSmooth = new Option<bool>("--eigen-smooth") { Description = "pytorch-grad-cam's eigen_smooth: the first principal component of each method's weighted activations instead of their sum." };
            var augSmooth = new Option<bool>("--aug-smooth") { Description = "pytorch-grad-cam's aug_smooth: average the maps of 6 augmented inputs (flip × brightness 0.9, 1.0, 1.1)." };
            var batchSize = new Option<int?>("--batch-size") { Description = "Score-CAM and Ablation-CAM: masked or ablated inputs per forward pass (default 16 and 32, as pytorch-grad-cam)." };
            var threads = new Option<int?>("--threads") { Description = "CPU threads for TorchSharp (default: its own choice)." };

            var explain = new Command("explain", "Explain images with the CAM family (Grad-CAM, Grad-CAM++, Score-CAM, …), Guided Backpropagation or Guided Grad-CAM; write overlays, heatmaps, boxes and a JSON summary per image.")
            {
                arch, weights, image, inputNpy, classIndex, top, method, layer, device, output, saveRaw, labels, resize, crop, eigenSmooth, augSmooth, batchSize, threads,
            };
            explain.SetAction(parse =>
            {
                var settings = new ExplainSettings(
                    parse.GetValue(arch)!,
                    parse.GetValue(weights),
                    parse.GetValue(image) ?? [],
                    parse.GetValue(inputNpy),
                    parse.GetValue(classIndex),
                    parse.GetValue(top),
                    parse.GetValue(method)!,
                    parse.GetValue(layer),
                    parse.GetValue(device)!,
                    parse.GetValue(output)!,
                    parse.GetValue(saveRaw),
                    parse.GetValue(labels),
                    parse.GetValue(resize),
                    parse.GetValue(crop),
                    parse.GetValue(eigenSmooth),
                    parse.GetValue(augSmooth),
                    parse.GetValue(batchSize),
                    parse.GetValue(threads));
                try
                {
                    return new ExplainRunner(console).Run(settings, cancellationToken);
                }
                catch (CamException e)
                {
                    console.MarkupLineInterpolated($"[red]error:[/] {e.Message}");
                    return 2;
                }
            });

            var root = new RootCommand("camsdk: class activation maps (the Grad-CAM family, Guided Backpropagation, Guided Grad-CAM) for torchvision-compatible models.")
            {
                explain,
            };
            var result = root.Parse(args);
            if (result.Errors.Count > 0)
            {
                foreach (var error in result.Errors)
                {
                    console.MarkupLineInterpolated($"[red]error:[/] {error.Message}");
                }

                console.MarkupLine("Run [bold]camsdk explain --help[/] for the options.");
                return 2;
            }

            return result.Invoke(new InvocationConfiguration { Output = Console.Out, Error = Console.Error });
        }

    }
}
