using System;
using System.CommandLine;
using System.Linq;
using System.Threading;
using CamSdk;
using CamSdk.Cli;
using CamSdk.Shapes;
using Spectre.Console;

var (output, errors) = Terminal.Standard();
using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // The first Ctrl+C cancels between steps (the model is restored, files stay whole); a second one ends the process.
    e.Cancel = !cancellation.IsCancellationRequested;
    cancellation.Cancel();
};
return CommandLine.Run(args, output, errors, cancellation.Token);

namespace CamSdk.Cli
{
    /// <summary>The <c>camsdk</c> command line.</summary>
    internal static class CommandLine
    {
        /// <summary>Exit codes: 0 done, 1 some inputs failed (each named on standard error), 2 the request is invalid, 3 an unexpected failure, 130 cancelled.</summary>
        internal static int Run(string[] args, IAnsiConsole output, IAnsiConsole errors, CancellationToken cancellationToken)
        {
            var quiet = new Option<bool>("--quiet", "-q") { Description = "Show no progress (results still go to standard output, warnings and errors to standard error).", Recursive = true };
            Terminal TerminalOf(ParseResult parse) => new(output, errors, parse.GetValue(quiet));
            var arch = new Option<string?>("--arch") { Description = "The architecture, as torchvision names it (resnet50, efficientnet_b0, convnext_tiny, vit_b_16, swin_t…): camsdk list shows them all. Or give --onnx." };
            var onnx = CliOptions.Path(new Option<string?>("--onnx") { Description = "An ONNX model (.onnx, weights inside) instead of --arch and --weights; --layer then takes ONNX node or output names (camsdk inspect lists them)." });
            var weights = CliOptions.Path(new Option<string?>("--weights") { Description = "The weights: what torch.save(model.state_dict(), path) writes (.pth/.pt, checkpoints too), .safetensors, or TorchSharp .dat." });
            var image = CliOptions.Path(new Option<string[]>("--image") { Description = "An image (PNG, JPEG, BMP, WebP), a folder (searched recursively) or a glob such as 'photos/**/*.jpg' (quote it); repeatable.", AllowMultipleArgumentsPerToken = true });
            var inputNpy = CliOptions.Path(new Option<string?>("--input-npy") { Description = "An already preprocessed N×3×H×W .npy batch (float16/32/64, either byte order or memory order), instead of --image." });
            var classIndex = CliOptions.OptionalInt("--class", "The class to explain (default: the predicted class).", minimum: 0);
            var concept = CliOptions.Path(new Option<string?>("--concept", "--concept-image")
            {
                Description = "For a model without a class head (an embedding, a featurizer): an image whose embedding is the concept (a crop of the object, or another photograph); each map shows where the image looks like it (pytorch-grad-cam's SimilarityToConceptTarget). The summary's class is -1, 'concept', scored by the cosine similarity.",
            });
            var top = CliOptions.OptionalInt("--top", "Explain the k highest-scoring classes of each image.", minimum: 1);
            var method = new Option<string>("--method")
            {
                Description = $"The method, or several as a comma-separated list computed in one pass: {string.Join(", ", MethodNames.All)}.",
            };
            method.CompletionSources.Add(MethodNames.All.ToArray());
            var layer = new Option<string?>("--layer") { Description = "The layer to explain (default: the layer the architecture marks [ExplainLayer(IsDefault = true)], its last convolutional block, e.g. layer4)." };
            var device = DeviceOption();
            var outFolder = CliOptions.Path(new Option<string>("--out") { Description = "The folder to write pictures, JSON summaries and arrays to (created if needed).", Required = true });
            var saveRaw = new Option<bool>("--save-raw") { Description = "Also write every computed array as a NumPy .npy file, to compare with Python tools." };
            var labels = CliOptions.Path(new Option<string?>("--labels") { Description = $"'{ModelLoading.ImageNetLabels}' (torchvision's 1,000 ImageNet class names, built in) or a text file with one class name per line, to name classes in pictures and summaries." });
            var resize = CliOptions.OptionalInt("--resize", "Images: the shorter side after resizing (torchvision's Resize).", minimum: 1);
            var crop = CliOptions.OptionalInt("--crop", "Images: the centre crop's side (torchvision's CenterCrop).", minimum: 1);
            var colormap = new Option<string>("--colormap") { Description = $"The heatmaps' colour map: {string.Join(", ", Imaging.Colormap.ByName.Keys)} (OpenCV's tables)." };
            colormap.AcceptOnlyFromAmong([.. Imaging.Colormap.ByName.Keys]);
            var eigenSmooth = new Option<bool>("--eigen-smooth") { Description = "pytorch-grad-cam's eigen_smooth: the first principal component of each method's weighted activations instead of their sum." };
            var augSmooth = new Option<bool>("--aug-smooth") { Description = "pytorch-grad-cam's aug_smooth: average the maps of 6 augmented inputs (flip × brightness 0.9, 1.0, 1.1)." };
            var batchSize = CliOptions.OptionalInt("--batch-size", "Score-CAM and Ablation-CAM: masked or ablated inputs per forward pass (default 16 and 32, as pytorch-grad-cam).", minimum: 1);
            var threads = ThreadsOption();
            var shard = ShardOption("the images: the K-th of N contiguous parts of the sorted list (output names as in the whole run)");

            var explain = new Command("explain", "Explain images with the CAM family (Grad-CAM, Grad-CAM++, Score-CAM, …), Guided Backpropagation or Guided Grad-CAM; write overlays, heatmaps, boxes and a JSON summary per image.");
            SettingsBinder.Add<ExplainSettings>(explain, arch, onnx, weights, image, inputNpy, classIndex, concept, top, method, layer, device, outFolder, saveRaw, labels, resize, crop, colormap, eigenSmooth, augSmooth, batchSize, threads, shard);
            explain.SetAction(parse =>
            {
                var settings = SettingsBinder.Bind<ExplainSettings>(parse);
                var terminal = TerminalOf(parse);
                return Guarded(terminal, () => new ExplainRunner(terminal).Run(settings, cancellationToken));
            });

            var evalArch = new Option<string?>("--arch") { Description = $"A zoo architecture to evaluate with --weights (camsdk list shows them). Without it, the built-in ShapesNet is trained (or loaded from the cache) on the built-in dataset." };
            var evalWeights = CliOptions.Path(new Option<string?>("--weights") { Description = "The architecture's weights (.pth/.pt, .safetensors, TorchSharp .dat)." });
            var data = CliOptions.Path(new Option<string?>("--data") { Description = $"A dataset folder: images plus {Evaluation.EvaluationFolder.AnnotationsFile} ({Evaluation.EvaluationFolder.Header}, one row per object; see the README). Default: the built-in synthetic shapes." });
            var evalLabels = CliOptions.Path(new Option<string?>("--labels") { Description = $"With --arch: '{ModelLoading.ImageNetLabels}' (built in) or a text file with one class name per line (the CSV's labels may then be names)." });
            var evalOutput = CliOptions.Path(new Option<string>("--out") { Description = "The folder to write report.html and metrics.json to." });
            var images = CliOptions.OptionalInt("--images", "One-object images to evaluate.", minimum: 1);
            var pairs = CliOptions.OptionalInt("--pairs", "Two-object images for class discrimination.", minimum: 0);
            var retrain = new Option<bool>("--retrain") { Description = "Train the built-in ShapesNet even when its weights are cached." };
            var evalLayer = new Option<string?>("--layer") { Description = "With --arch: the layer to explain (default: the architecture's default layer)." };
            var evalDevice = DeviceOption();
            var evalBatch = CliOptions.OptionalInt("--batch-size", "Images per explanation batch.", minimum: 1);
            var evalThreads = ThreadsOption();
            var evalMethod = new Option<string?>("--method") { Description = "The CAM-family methods to evaluate, comma-separated (default: all of them, and CAM where the model ends in global average pooling). Guided Backpropagation and Guided Grad-CAM are always evaluated." };
            evalMethod.CompletionSources.Add(MethodNames.All.ToArray());
            var evaluate = new Command("evaluate", "Measure explanations: weakly-supervised localisation (the Grad-CAM paper's protocol), the pointing game and class discrimination, for every CAM method, Guided Backpropagation and Guided Grad-CAM; write report.html and metrics.json.");
            var evalShard = ShardOption("the images: a part file (part-K-of-N.json in --out) instead of the report, whole batches of the sorted images; camsdk merge makes the report from all parts");
            var prepare = new Option<string>("--prepare")
            {
                Description = "Where each batch's images are decoded: 'ahead' on a second thread while the batch before is explained, 'inline' on the explaining thread, " +
                    "'auto' ahead for every model evaluate runs (its models hold the Scalars they pass libtorch; see the README). The figures are the same either way.",
            };
            prepare.AcceptOnlyFromAmong(EvaluateSettings.Preparations);
            SettingsBinder.Add<EvaluateSettings>(evaluate, evalArch, evalWeights, data, evalLabels, evalOutput, images, pairs, retrain, evalLayer, evalDevice, evalBatch, evalThreads, evalMethod, evalShard, prepare);
            evaluate.SetAction(parse =>
            {
                var settings = SettingsBinder.Bind<EvaluateSettings>(parse);
                var terminal = TerminalOf(parse);
                return Guarded(terminal, () => new EvaluateRunner(terminal).Run(settings, cancellationToken));
            });

            var sanity = CheckCommand(
                "sanity",
                "Sanity checks (Adebayo et al. 2018): re-initialise the model's layers from the classifier down (cascading) and one at a time (independent), on a copy, and measure how alike each method's maps stay (Spearman, SSIM, HOG); write sanity.csv, sanity.json, plots and the maps at each depth.",
                "The CAM-family methods to check, comma-separated (default: gradcam, gradcam++, layercam, eigencam). Guided Backpropagation and Guided Grad-CAM are always checked.",
                TerminalOf,
                (terminal, settings) => new CheckRunner(terminal).Sanity(settings, cancellationToken),
                sanityOnly: true);
            var faithfulness = CheckCommand(
                "faithfulness",
                "Faithfulness metrics: deletion and insertion curves (RISE), pytorch-grad-cam's confidence change when the image is multiplied by the map, and ROAD (most/least relevant first, combined); write faithfulness.csv, faithfulness.json and plots.",
                "The CAM-family methods to measure, comma-separated (default: all of them, and CAM where the model ends in global average pooling). Guided Backpropagation and Guided Grad-CAM are always measured.",
                TerminalOf,
                (terminal, settings) => new CheckRunner(terminal).Faithfulness(settings, cancellationToken),
                sanityOnly: false);
            var mergeOutput = new Argument<string>("out") { Description = "The folder to write report.html and metrics.json to." };
            var mergeParts = new Argument<string[]>("parts") { Description = "Every part file of one run (camsdk evaluate --shard K/N wrote part-K-of-N.json), in any order.", Arity = ArgumentArity.OneOrMore };
            var merge = new Command("merge", "Combine the parts of a sharded camsdk evaluate (--shard K/N) into the report.html and metrics.json the whole run writes; parts of different runs, a missing or a repeated part are refused.") { mergeOutput, mergeParts };
            merge.SetAction(parse =>
            {
                var terminal = TerminalOf(parse);
                return Guarded(terminal, () => new EvaluateRunner(terminal).Merge(parse.GetValue(mergeOutput)!, parse.GetValue(mergeParts)!));
            });
            var inspectModel = new Argument<string>("model") { Description = "The .onnx file." };
            var inspect = new Command("inspect", "List the nodes of an ONNX model that --layer can explain, with their operators and output shapes, and mark the default layer.") { inspectModel };
            inspect.SetAction(parse =>
            {
                var terminal = TerminalOf(parse);
                return Guarded(terminal, () => OnnxInspection.Print(terminal, parse.GetValue(inspectModel)!));
            });
            var list = new Command("list", "List the architectures --arch accepts (torchvision's classification builders): family, default layer, parameters, and whether CAM and Guided Backpropagation apply.");
            list.SetAction(parse => ArchitectureList.Print(TerminalOf(parse)));
            var root = new RootCommand("camsdk: class activation maps (the Grad-CAM family, Guided Backpropagation, Guided Grad-CAM) for torchvision-compatible models.")
            {
                explain,
                evaluate,
                merge,
                sanity,
                faithfulness,
                list,
                inspect,
            };
            root.Options.Add(quiet);
            var result = root.Parse(args);
            if (result.Errors.Count > 0)
            {
                var terminal = TerminalOf(result);
                foreach (var error in result.Errors)
                {
                    terminal.Fail(error.Message);
                }

                errors.MarkupLine("Run [bold]camsdk explain --help[/], [bold]camsdk evaluate --help[/], [bold]camsdk sanity --help[/] or [bold]camsdk faithfulness --help[/] for the options, [bold]camsdk list[/] for the architectures, [bold]camsdk inspect model.onnx[/] for an ONNX model's layers.");
                return 2;
            }

            return result.Invoke(new InvocationConfiguration { Output = Console.Out, Error = Console.Error });
        }

        /// <summary><c>sanity</c> or <c>faithfulness</c>: a zoo architecture with --weights and --image, or the built-in ShapesNet.</summary>
        private static Command CheckCommand(string name, string description, string methodHelp, Func<ParseResult, Terminal> terminalOf, Func<Terminal, CheckSettings, int> run, bool sanityOnly)
        {
            var arch = new Option<string?>("--arch") { Description = $"A zoo architecture (camsdk list shows them). Without it, the built-in ShapesNet (trained or loaded from the cache) on held-out shapes." };
            var weights = CliOptions.Path(new Option<string?>("--weights") { Description = "The architecture's weights (.pth/.pt, .safetensors, TorchSharp .dat)." });
            var image = CliOptions.Path(new Option<string[]>("--image") { Description = "With --arch: an image, a folder (searched recursively) or a quoted glob such as 'photos/**/*.jpg'; repeatable.", AllowMultipleArgumentsPerToken = true });
            var images = CliOptions.OptionalInt("--images", "How many images to use (the first ones).", minimum: 1);
            var layer = new Option<string?>("--layer") { Description = "With --arch: the layer to explain (default: the architecture's default layer)." };
            var method = new Option<string?>("--method") { Description = methodHelp };
            method.CompletionSources.Add(MethodNames.All.ToArray());
            var device = DeviceOption();
            var output = CliOptions.Path(new Option<string>("--out") { Description = $"The folder to write to (default: {name})." });
            var threads = ThreadsOption();
            var seed = CliOptions.OptionalInt("--seed", "The seed of the re-initialisations (sanity) or of ROAD's noise (faithfulness).", minimum: int.MinValue);
            var resize = CliOptions.OptionalInt("--resize", "With --arch: the images' shorter side after resizing.", minimum: 1);
            var crop = CliOptions.OptionalInt("--crop", "With --arch: the centre crop's side.", minimum: 1);
            var blocks = new Option<bool>("--blocks") { Description = "Randomise the model's top-level blocks (for ResNet: fc, layer4, …, conv1) instead of every layer, as the paper does for Inception." };
            var step = CliOptions.OptionalInt("--step", "Deletion and insertion: pixels per step (default: the image's width, as RISE).", minimum: 1);
            var deletion = new Option<string>("--deletion-baseline") { Description = "What deleted pixels become: zero (RISE), blur or mean." };
            var insertion = new Option<string>("--insertion-baseline") { Description = "What insertion starts from: blur (RISE), zero or mean." };
            var score = new Option<string>("--score") { Description = "The score watched: probability (softmax) or logit." };
            var noise = CliOptions.Double("--noise", "ROAD's imputation noise (pytorch-grad-cam's 0.01).", minimum: 0);
            var command = new Command(name, description);
            SettingsBinder.Add<CheckSettings>(command, [arch, weights, image, images, layer, method, device, output, threads, seed, resize, crop, .. sanityOnly ? new Option[] { blocks } : [step, deletion, insertion, score, noise]]);
            command.SetAction(parse =>
            {
                // --out defaults to the command's name: the one setting whose default depends on the command.
                var settings = SettingsBinder.Bind<CheckSettings>(parse);
                settings = settings.Out.Length > 0 ? settings : settings with { Out = name };
                var terminal = terminalOf(parse);
                return Guarded(terminal, () => run(terminal, settings));
            });
            return command;
        }

        /// <summary>--device: cpu, cuda, cuda:N or auto.</summary>
        private static Option<string> DeviceOption() => new("--device")
        {
            Description = $"Where to compute: {Devices.Names} (auto: CUDA when this process's libtorch has it and a GPU is there, else the CPU; it says which). " +
                $"CUDA needs a CUDA libtorch: camsdk built on TorchSharp-cuda-linux, or {LibTorch.FolderVariable} naming a PyTorch installation's torch/lib (README.md, \"CUDA\").",
        };

        /// <summary>--shard K/N, auto or auto/N: a part of the work for a scheduler's array of jobs (docs/scale-out.md).</summary>
        private static Option<string?> ShardOption(string what) => new("--shard")
        {
            Description = $"Do only part K of N of {what}: K/N (K from 0), 'auto' (a Slurm job array's {Evaluation.EvaluationShard.SlurmIndexVariable} and {Evaluation.EvaluationShard.SlurmCountVariable}) or 'auto/N' (a Kubernetes Indexed Job's {Evaluation.EvaluationShard.KubernetesIndexVariable}). See docs/scale-out.md.",
        };

        /// <summary>--threads: at most <see cref="ModelLoading.MaxThreads"/>.</summary>
        private static Option<int?> ThreadsOption() => CliOptions.OptionalInt(
            "--threads", $"CPU threads for TorchSharp, 1 to {ModelLoading.MaxThreads} here (default: its own choice).", minimum: 1, maximum: ModelLoading.MaxThreads);

        /// <summary>
        /// Runs a command: a request that cannot be done (a <see cref="CamException"/>, a file that cannot be read or
        /// written) is printed on standard error with exit code 2; anything unexpected is printed as such, without a
        /// stack trace, with exit code 3; a cancellation (Ctrl+C) gives 130.
        /// </summary>
        private static int Guarded(Terminal terminal, Func<int> command)
        {
            try
            {
                // A libtorch of the user's own (CAMSDK_LIBTORCH), loaded before the command's first TorchSharp call.
                LibTorch.UseFromEnvironment();
                return command();
            }
            catch (Exception e) when (e is CamException or System.IO.IOException or UnauthorizedAccessException)
            {
                terminal.Fail(e.Message);
                return 2;
            }
            catch (OperationCanceledException)
            {
                terminal.Fail("cancelled.");
                return 130;
            }
            catch (Exception e)
            {
                terminal.Fail($"unexpected {e.GetType().Name}: {e.Message} This is a bug in camsdk: please report it with the command line that caused it.");
                return 3;
            }
        }
    }
}
