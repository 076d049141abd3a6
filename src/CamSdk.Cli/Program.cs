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
                return Guarded(console, () => new ExplainRunner(console).Run(settings, cancellationToken));
            });

            var evalArch = new Option<string?>("--arch") { Description = $"A zoo architecture to evaluate with --weights: {Architecture.Names}. Without it, the built-in ShapesNet is trained (or loaded from the cache) on the built-in dataset." };
            var evalWeights = new Option<string?>("--weights") { Description = "The architecture's weights (.pth/.pt, .safetensors, TorchSharp .dat)." };
            var data = new Option<string?>("--data") { Description = $"A dataset folder: images plus {Evaluation.EvaluationFolder.AnnotationsFile} ({Evaluation.EvaluationFolder.Header}, one row per object; see the README). Default: the built-in synthetic shapes." };
            var evalLabels = new Option<string?>("--labels") { Description = "With --arch: a text file with one class name per line (the CSV's labels may then be names)." };
            var evalOutput = new Option<string>("--out") { Description = "The folder to write report.html and metrics.json to.", DefaultValueFactory = _ => "out" };
            var images = new Option<int>("--images") { Description = "One-object images to evaluate (the Grad-CAM paper's protocol: at least 1,000).", DefaultValueFactory = _ => 1000 };
            var pairs = new Option<int>("--pairs") { Description = "Two-object images for class discrimination.", DefaultValueFactory = _ => 200 };
            var retrain = new Option<bool>("--retrain") { Description = "Train the built-in ShapesNet even when its weights are cached." };
            var evalLayer = new Option<string?>("--layer") { Description = "With --arch: the layer to explain (default: the architecture's last convolutional block)." };
            var evalDevice = new Option<string>("--device") { Description = "cpu or cuda.", DefaultValueFactory = _ => "cpu" };
            var evalBatch = new Option<int>("--batch-size") { Description = "Images per explanation batch.", DefaultValueFactory = _ => 16 };
            var evalThreads = new Option<int?>("--threads") { Description = "CPU threads for TorchSharp (default: its own choice)." };
            var evalMethod = new Option<string?>("--method") { Description = "The CAM-family methods to evaluate, comma-separated (default: all of them, and CAM where the model ends in global average pooling). Guided Backpropagation and Guided Grad-CAM are always evaluated." };
            evalMethod.CompletionSources.Add(MethodNames.All.ToArray());
            var evaluate = new Command("evaluate", "Measure explanations: weakly-supervised localisation (the Grad-CAM paper's protocol), the pointing game and class discrimination, for every CAM method, Guided Backpropagation and Guided Grad-CAM; write report.html and metrics.json.")
            {
                evalArch, evalWeights, data, evalLabels, evalOutput, images, pairs, retrain, evalLayer, evalDevice, evalBatch, evalThreads, evalMethod,
            };
            evaluate.SetAction(parse =>
            {
                var settings = new EvaluateSettings(
                    parse.GetValue(evalArch),
                    parse.GetValue(evalWeights),
                    parse.GetValue(data),
                    parse.GetValue(evalLabels),
                    parse.GetValue(evalOutput)!,
                    parse.GetValue(images),
                    parse.GetValue(pairs),
                    parse.GetValue(retrain),
                    parse.GetValue(evalLayer),
                    parse.GetValue(evalDevice)!,
                    parse.GetValue(evalBatch),
                    parse.GetValue(evalThreads),
                    parse.GetValue(evalMethod));
                return Guarded(console, () => new EvaluateRunner(console).Run(settings, cancellationToken));
            });

            var sanity = CheckCommand(
                "sanity",
                "Sanity checks (Adebayo et al. 2018): re-initialise the model's layers from the classifier down (cascading) and one at a time (independent), on a copy, and measure how alike each method's maps stay (Spearman, SSIM, HOG); write sanity.csv, sanity.json, plots and the maps at each depth.",
                "The CAM-family methods to check, comma-separated (default: gradcam, gradcam++, layercam, eigencam). Guided Backpropagation and Guided Grad-CAM are always checked.",
                console,
                (settings, extra) => new CheckRunner(console).Sanity(settings with { Blocks = extra.Blocks }, cancellationToken),
                sanityOnly: true);
            var faithfulness = CheckCommand(
                "faithfulness",
                "Faithfulness metrics: deletion and insertion curves (RISE), pytorch-grad-cam's confidence change when the image is multiplied by the map, and ROAD (most/least relevant first, combined); write faithfulness.csv, faithfulness.json and plots.",
                "The CAM-family methods to measure, comma-separated (default: all of them, and CAM where the model ends in global average pooling). Guided Backpropagation and Guided Grad-CAM are always measured.",
                console,
                (settings, extra) => new CheckRunner(console).Faithfulness(settings with { Step = extra.Step, DeletionBaseline = extra.Deletion, InsertionBaseline = extra.Insertion, Score = extra.Score, Noise = extra.Noise }, cancellationToken),
                sanityOnly: false);
            var root = new RootCommand("camsdk: class activation maps (the Grad-CAM family, Guided Backpropagation, Guided Grad-CAM) for torchvision-compatible models.")
            {
                explain,
                evaluate,
                sanity,
                faithfulness,
            };
            var result = root.Parse(args);
            if (result.Errors.Count > 0)
            {
                foreach (var error in result.Errors)
                {
                    console.MarkupLineInterpolated($"[red]error:[/] {error.Message}");
                }

                console.MarkupLine("Run [bold]camsdk explain --help[/], [bold]camsdk evaluate --help[/], [bold]camsdk sanity --help[/] or [bold]camsdk faithfulness --help[/] for the options.");
                return 2;
            }

            return result.Invoke(new InvocationConfiguration { Output = Console.Out, Error = Console.Error });
        }

        /// <summary>The options of one check command beyond the shared ones.</summary>
        private sealed record CheckExtras(bool Blocks, int? Step, string Deletion, string Insertion, string Score, double Noise);

        /// <summary><c>sanity</c> or <c>faithfulness</c>: a zoo architecture with --weights and --image, or the built-in ShapesNet.</summary>
        private static Command CheckCommand(string name, string description, string methodHelp, IAnsiConsole console, Func<CheckSettings, CheckExtras, int> run, bool sanityOnly)
        {
            var arch = new Option<string?>("--arch") { Description = $"A zoo architecture: {Architecture.Names}. Without it, the built-in ShapesNet (trained or loaded from the cache) on held-out shapes." };
            var weights = new Option<string?>("--weights") { Description = "The architecture's weights (.pth/.pt, .safetensors, TorchSharp .dat)." };
            var image = new Option<string[]>("--image") { Description = "With --arch: an image or a folder of them; repeatable.", AllowMultipleArgumentsPerToken = true };
            var images = new Option<int>("--images") { Description = "How many images to use (the first ones).", DefaultValueFactory = _ => 32 };
            var layer = new Option<string?>("--layer") { Description = "With --arch: the layer to explain (default: the architecture's last convolutional block)." };
            var method = new Option<string?>("--method") { Description = methodHelp };
            method.CompletionSources.Add(MethodNames.All.ToArray());
            var device = new Option<string>("--device") { Description = "cpu or cuda.", DefaultValueFactory = _ => "cpu" };
            var output = new Option<string>("--out") { Description = "The folder to write to.", DefaultValueFactory = _ => name };
            var threads = new Option<int?>("--threads") { Description = "CPU threads for TorchSharp (default: its own choice)." };
            var seed = new Option<int>("--seed") { Description = "The seed of the re-initialisations (sanity) or of ROAD's noise (faithfulness).", DefaultValueFactory = _ => 0 };
            var resize = new Option<int>("--resize") { Description = "With --arch: the images' shorter side after resizing.", DefaultValueFactory = _ => 256 };
            var crop = new Option<int>("--crop") { Description = "With --arch: the centre crop's side.", DefaultValueFactory = _ => 224 };
            var blocks = new Option<bool>("--blocks") { Description = "Randomise the model's top-level blocks (for ResNet: fc, layer4, …, conv1) instead of every layer, as the paper does for Inception." };
            var step = new Option<int?>("--step") { Description = "Deletion and insertion: pixels per step (default: the image's width, as RISE)." };
            var deletion = new Option<string>("--deletion-baseline") { Description = "What deleted pixels become: zero (RISE), blur or mean.", DefaultValueFactory = _ => "zero" };
            var insertion = new Option<string>("--insertion-baseline") { Description = "What insertion starts from: blur (RISE), zero or mean.", DefaultValueFactory = _ => "blur" };
            var score = new Option<string>("--score") { Description = "The score watched: probability (softmax) or logit.", DefaultValueFactory = _ => "probability" };
            var noise = new Option<double>("--noise") { Description = "ROAD's imputation noise (pytorch-grad-cam's 0.01).", DefaultValueFactory = _ => Evaluation.RoadImputation.DefaultNoise };
            var command = new Command(name, description) { arch, weights, image, images, layer, method, device, output, threads, seed, resize, crop };
            foreach (var option in sanityOnly ? new Option[] { blocks } : [step, deletion, insertion, score, noise])
            {
                command.Options.Add(option);
            }

            command.SetAction(parse =>
            {
                var settings = new CheckSettings(
                    parse.GetValue(arch),
                    parse.GetValue(weights),
                    parse.GetValue(image) ?? [],
                    parse.GetValue(images),
                    parse.GetValue(layer),
                    parse.GetValue(method),
                    parse.GetValue(device)!,
                    parse.GetValue(output)!,
                    parse.GetValue(threads),
                    parse.GetValue(seed),
                    Resize: parse.GetValue(resize),
                    Crop: parse.GetValue(crop));
                var extras = sanityOnly
                    ? new CheckExtras(parse.GetValue(blocks), null, "zero", "blur", "probability", Evaluation.RoadImputation.DefaultNoise)
                    : new CheckExtras(false, parse.GetValue(step), parse.GetValue(deletion)!, parse.GetValue(insertion)!, parse.GetValue(score)!, parse.GetValue(noise));
                return Guarded(console, () => run(settings, extras));
            });
            return command;
        }

        /// <summary>Runs a command; a request that cannot be done (a <see cref="CamException"/>, a file that cannot be read or written) is printed and gives exit code 2.</summary>
        private static int Guarded(IAnsiConsole console, Func<int> command)
        {
            try
            {
                return command();
            }
            catch (Exception e) when (e is CamException or System.IO.IOException or UnauthorizedAccessException)
            {
                console.MarkupLineInterpolated($"[red]error:[/] {e.Message}");
                return 2;
            }
        }
    }
}
