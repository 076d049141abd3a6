using System.Text.Json;
using CamSdk.Cli;
using CamSdk.Models;
using CamSdk.Tests.Support;
using SkiaSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace CamSdk.Tests;

/// <summary><c>camsdk explain</c> end to end, in process: the files it writes, what they hold, and its exit codes.</summary>
public sealed class CliTests() : CommandLineTests("camsdk-cli-")
{
    /// <summary>A resnet18 with 3 classes, saved as torch.save would save it, and a folder with two images.</summary>
    private (string Weights, string Images, ResNet Model) Setup(int seed = 97)
    {
        var weights = SavedResNets.ResNet18(seed, classes: 3);
        var model = SavedResNets.Model(seed, classes: 3);
        var images = Directory.CreateDirectory(PathOf("images")).FullName;
        var pixels = new byte[320 * 240 * 3];
        new Random(seed).NextBytes(pixels);
        File.WriteAllBytes(Path.Combine(images, "noise.png"), ImageFiles.Encode(320, 240, pixels, SKEncodedImageFormat.Png));
        File.WriteAllBytes(Path.Combine(images, "flat.jpg"), ImageFiles.Encode(300, 300, [.. Enumerable.Repeat((byte)120, 300 * 300 * 3)], SKEncodedImageFormat.Jpeg));
        return (weights, images, model);
    }

    [Fact]
    public void OptionsBindToTheSettingsByNameAndShowTheDefaultsWrittenThere()
    {
        Assert.Equal("InputNpy", SettingsBinder.PropertyName("--input-npy"));
        var resize = CliOptions.OptionalInt("--resize", "The shorter side.", minimum: 1);
        var colormap = new System.CommandLine.Option<string>("--colormap") { Description = "The colour map." };
        var command = new System.CommandLine.Command("explain");
        SettingsBinder.Add<ExplainSettings>(command, resize, colormap);
        Assert.Equal($"The shorter side. Default: {Imaging.ImagePreprocessor.ImageNet.ResizeTo}.", resize.Description);
        Assert.Equal($"The colour map. Default: {Imaging.Colormap.Jet.Name}.", colormap.Description);

        var given = SettingsBinder.Bind<ExplainSettings>(command.Parse(["--resize", "300"]));
        Assert.Equal((300, Imaging.Colormap.Jet.Name), (given.Resize, given.Colormap));
        var unset = SettingsBinder.Bind<ExplainSettings>(command.Parse([]));
        Assert.Equal(new ExplainSettings(), unset);
        Assert.Throws<InvalidOperationException>(() => SettingsBinder.Add<ExplainSettings>(new System.CommandLine.Command("x"), new System.CommandLine.Option<int>("--no-such-setting")));
    }

    [Fact]
    public void ExplainsAFolderAndWritesPicturesSummariesAndArrays()
    {
        var (weights, images, model) = Setup();
        var output = PathOf("out");
        Assert.Equal(0, Run("explain", "--arch", "resnet18", "--weights", weights, "--image", images, "--class", "2", "--save-raw", "--out", output));

        foreach (var name in new[] { "noise", "flat" })
        {
            foreach (var file in new[] { ".gradcam.overlay.png", ".gradcam.heatmap.png", ".json", ".gradcam.raw.npy", ".gradcam.heatmap.npy" })
            {
                Assert.True(File.Exists(Path.Combine(output, name + file)), $"{name}{file} was not written");
            }

            var overlay = Imaging.RgbImage.Load(Path.Combine(output, name + ".gradcam.overlay.png"));
            Assert.Equal((224, 224), (overlay.Width, overlay.Height));
        }

        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "noise.json")));
        var explained = summary.RootElement.GetProperty("classes")[0];
        Assert.Equal(2, explained.GetProperty("index").GetInt32());
        Assert.Equal("layer4", summary.RootElement.GetProperty("layer").GetString());
        Assert.True(explained.GetProperty("methods")[0].GetProperty("box").GetProperty("right").GetInt32() < 224);
        Assert.Equal("gradcam", explained.GetProperty("methods")[0].GetProperty("method").GetString());

        // The raw map the tool wrote is the runtime's, on the same preprocessing of the same image.
        using var input = Imaging.ImagePreprocessor.ImageNet.ToTensor(Imaging.RgbImage.Load(Path.Combine(images, "noise.png")));
        using var expected = model.Explain(input, 2);
        using var raw = Npy.Read(Path.Combine(output, "noise.gradcam.raw.npy"));
        Assert.Equal(new long[] { 1, 7, 7 }, raw.shape);
        Assert.True(Tensors.MaxAbsDifference(expected.RawMaps, raw) < 1e-5);
        Assert.True(raw.max().item<float>() > 0);
    }

    [Fact]
    public void TopClassesAndGuidedMethodsFromAPreprocessedBatch()
    {
        var (weights, _, model) = Setup(seed: 101);
        manual_seed(5);
        using var batch = randn(2, 3, 64, 64);
        var npy = PathOf("batch.npy");
        Npy.Write(npy, batch);
        var output = PathOf("out");
        Assert.Equal(0, Run("explain", "--arch", "resnet18", "--weights", weights, "--input-npy", npy, "--top", "2", "--method", "guided-gradcam", "--save-raw", "--out", output));

        Assert.True(File.Exists(Path.Combine(output, "batch-1.top2.guided-gradcam.png")));
        Assert.True(File.Exists(Path.Combine(output, "batch-0.json")));
        using var guided = Npy.Read(Path.Combine(output, "batch.top1.guided-backprop.npy"));
        Assert.Equal(new long[] { 2, 3, 64, 64 }, guided.shape);
        model.eval();
        using var logits = model.call(batch);
        var top = logits.argmax(1).data<long>().Select(i => (int)i).ToArray();
        using var expected = new Guided.GuidedBackpropagation(model).Explain(batch, Targets.CamTarget.Classes(top));
        Assert.True(Tensors.MaxAbsDifference(expected.Gradients, guided) < 1e-5);
    }

    [Trait("Speed", "Slow")]
    [Fact]
    public void SeveralMethodsFromOneRunAreWrittenUnderTheirNames()
    {
        var (weights, _, model) = Setup(seed: 103);
        manual_seed(7);
        using var batch = randn(1, 3, 64, 64);
        var npy = PathOf("one.npy");
        Npy.Write(npy, batch);
        var output = PathOf("out");
        Assert.Equal(0, Run("explain", "--arch", "resnet18", "--weights", weights, "--input-npy", npy, "--class", "1",
            "--method", "gradcam++,scorecam,eigencam,cam,guided-backprop", "--batch-size", "100", "--threads", "2", "--save-raw", "--out", output));

        foreach (var name in new[] { "gradcam++", "scorecam", "eigencam", "cam" })
        {
            Assert.True(File.Exists(Path.Combine(output, $"one-0.{name}.overlay.png")), $"{name}'s overlay was not written");
            Assert.True(File.Exists(Path.Combine(output, $"one.{name}.heatmap.npy")), $"{name}'s heatmaps were not saved");
        }

        Assert.True(File.Exists(Path.Combine(output, "one-0.guided-backprop.png")));
        Assert.False(File.Exists(Path.Combine(output, "one-0.gradcam.overlay.png")), "Grad-CAM was not asked for");
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "one-0.json")));
        Assert.Equal("gradcam++,scorecam,eigencam,cam,guided-backprop", summary.RootElement.GetProperty("method").GetString());

        // The arrays are the runtime's.
        model.eval();
        var explainer = new CamExplainer(model, model.Layer4);
        using var expected = explainer.Explain(batch, [CamSdk.Methods.CamMethods.GradCamPlusPlus, CamSdk.Methods.CamMethods.ScoreCam, new CamSdk.Methods.Cam(model.Classifier)], Targets.CamTarget.Class(1));
        foreach (var (name, result) in new[] { ("gradcam++", expected[0]), ("scorecam", expected[1]), ("cam", expected[2]) })
        {
            using var saved = Npy.Read(Path.Combine(output, $"one.{name}.heatmap.npy"));
            Assert.True(Tensors.MaxAbsDifference(result.Heatmaps, saved) < 1e-5, name);
        }
    }

    [Fact]
    public void CamOfALayerThatIsNotPooledIntoTheHeadIsAClearError()
    {
        var (weights, images, _) = Setup();
        Assert.Equal(1, Run("explain", "--arch", "resnet18", "--weights", weights, "--image", images, "--layer", "layer3", "--method", "cam", "--out", PathOf("out")));
        Assert.Contains("CAM's class head takes 512 features, but the layer 'layer3' has 256 channels", Output.ToString().Replace("\n", " "));
        Assert.Contains("CAM applies only when the explained layer is followed directly by global average pooling", Output.ToString().Replace("\n", " "));
    }

    [Fact]
    public void ABadImageIsReportedByNameAndTheRestAreExplained()
    {
        var (weights, images, _) = Setup();
        File.WriteAllText(Path.Combine(images, "broken.png"), "not a png");
        var output = PathOf("out");
        Assert.Equal(1, Run("explain", "--arch", "resnet18", "--weights", weights, "--image", images, "--out", output));
        Assert.Contains($"failed: {Path.Combine(images, "broken.png")}: '{Path.Combine(images, "broken.png")}' is not an image CamSdk can read", Errors.ToString());
        Assert.True(File.Exists(Path.Combine(output, "noise.json")));
        Assert.True(File.Exists(Path.Combine(output, "flat.json")));
        Assert.False(File.Exists(Path.Combine(output, "broken.json")));
    }

    [Theory]
    [InlineData("--arch", "resnet19", "Unknown architecture 'resnet19'. Valid choices: alexnet, vgg11, vgg11_bn,")]
    [InlineData("--layer", "layer5", "Unknown layer 'layer5' for resnet18. Valid choices: layer1, layer2, layer3, layer4 (the default)")]
    [InlineData("--method", "gradcam,scorcam", "Unknown method 'scorcam'. Valid choices: gradcam, gradcam++, xgradcam, hirescam, gradcamelementwise, layercam, eigencam, eigengradcam, scorecam, ablationcam, cam, guided-backprop, guided-gradcam")]
    [InlineData("--batch-size", "0", "--batch-size must be at least 1 (got 0).")]
    [InlineData("--class", "3", "Class 3 is out of range: resnet18 with these weights has 3 classes, so valid classes are 0 to 2.")]
    [InlineData("--colormap", "rainbow", "Argument 'rainbow' not recognized. Must be one of:")]
    public void InvalidChoicesListTheValidOnes(string option, string value, string message)
    {
        var (weights, images, _) = Setup();
        var args = new List<string> { "explain", "--arch", "resnet18", "--weights", weights, "--image", images, "--out", PathOf("out") };
        var at = args.IndexOf(option);
        if (at >= 0)
        {
            args[at + 1] = value;
        }
        else
        {
            args.AddRange([option, value]);
        }

        Assert.Equal(2, Run([.. args]));
        Assert.Contains(message, Errors.ToString().Replace("\n", " "));
        Assert.Equal(string.Empty, Results.ToString());
    }

    [NoCudaFact]
    public void CudaIsRefusedWithWhatACudaBuildNeeds()
    {
        var (weights, images, _) = Setup();
        Assert.Equal(2, Run("explain", "--arch", "resnet18", "--weights", weights, "--image", images, "--out", PathOf("out"), "--device", "cuda"));
        var error = Errors.ToString().Replace("\n", " ", StringComparison.Ordinal);
        Assert.Contains("Device 'cuda': the libtorch this process runs is a CPU build: no libtorch_cuda is loaded.", error);
        Assert.Contains("TorchSharp-cuda-linux", error);
        Assert.Contains("CAMSDK_LIBTORCH", error);
        Assert.False(Directory.Exists(PathOf("out")), "Nothing was written: the device is checked before the model loads.");
    }

    [CudaFact]
    public void CudaExplainsAsTheCpuDoes()
    {
        var (weights, images, _) = Setup();
        foreach (var device in new[] { "cpu", "cuda", "auto" })
        {
            Assert.Equal(0, Run("explain", "--arch", "resnet18", "--weights", weights, "--image", images, "--method", "gradcam,scorecam,guided-backprop", "--save-raw", "--out", PathOf(device), "--device", device));
        }

        Assert.Contains("device: cuda:0 (auto: CUDA is available", Errors.ToString());
        foreach (var file in Directory.GetFiles(PathOf("cpu"), "*.npy"))
        {
            using var onCpu = Npy.Read(file);
            using var onCuda = Npy.Read(Path.Combine(PathOf("cuda"), Path.GetFileName(file)));
            Assert.True(Tensors.MaxAbsDifference(onCpu, onCuda) < 1e-3 * Math.Max(1, onCpu.abs().max().item<float>()), Path.GetFileName(file));
        }
    }

    [NoCudaFact]
    public void AutoChoosesTheCpuHereAndSaysWhy()
    {
        var (weights, images, _) = Setup();
        Assert.Equal(0, Run("explain", "--arch", "resnet18", "--weights", weights, "--image", images, "--out", PathOf("out"), "--device", "auto"));
        Assert.Contains("device: cpu (auto: the libtorch this process runs is a CPU build)", Errors.ToString());
        Assert.Equal(2, Run("explain", "--arch", "resnet18", "--weights", weights, "--image", images, "--out", PathOf("out2"), "--device", "gpu"));
        Assert.Contains("Unknown device 'gpu': use cpu, cuda, cuda:N or auto.", Errors.ToString());
    }

    [Trait("Speed", "Slow")]
    [Fact]
    public void WeightsOfAnotherArchitectureAreRejectedWithTheKeys()
    {
        var (_, images, _) = Setup();
        var vggLike = PathOf("other.pth");
        PyTorchPickler.PickleStateDict(vggLike, ResNet.ResNet34(numClasses: 3).state_dict());
        Assert.Equal(2, Run("explain", "--arch", "resnet18", "--weights", vggLike, "--image", images, "--out", PathOf("out")));
        Assert.Contains("unexpected in the file: layer1.2.bn1.bias", Output.ToString().Replace("\n", " "));
        Assert.Contains("These weights are another size of ResNet: they fit resnet34", Output.ToString().Replace("\n", " "));
        Assert.Contains("(camsdk: --arch resnet34)", Output.ToString().Replace("\n", " "));
    }

    [Trait("Speed", "Slow")]
    [Fact]
    public void ATransformerIsExplainedAtItsDefaultLayerWithItsReshape()
    {
        // swin_t's default layer is N×7×7×768 channels last at 224×224: the command line applies the model's reshape.
        var (_, images, _) = Setup();
        var output = PathOf("swin");
        Assert.Equal(0, Run("explain", "--arch", "swin_t", "--image", images, "--out", output, "--save-raw"));
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "noise.json")));
        Assert.Equal("features.7.1.norm1", summary.RootElement.GetProperty("layer").GetString());
        using var raw = Npy.Read(Path.Combine(output, "noise.gradcam.raw.npy"));
        Assert.Equal(new long[] { 1, 7, 7 }, raw.shape);
    }

    [Fact]
    public void ListShowsEveryArchitectureWithItsDefaultLayerAndParameters()
    {
        Assert.Equal(0, Run("list"));
        var lines = Output.ToString().Split('\n');
        Assert.Contains(lines, l => l.Contains("resnet50", StringComparison.Ordinal) && l.Contains("layer4", StringComparison.Ordinal) && l.Contains("25.6 M", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("vit_b_16", StringComparison.Ordinal) && l.Contains("encoder.layers.encoder_layer_11.ln_1", StringComparison.Ordinal) && l.Contains("86.6 M", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("mobilenet_v2", StringComparison.Ordinal) && l.Contains("with GuideRelu6", StringComparison.Ordinal));
        Assert.Contains("75 architectures.", Output.ToString());
    }

    private static readonly string SqueezeNetOnnx = Path.Combine(AppContext.BaseDirectory, "TestData", "squeezenet1_1-opset17.onnx");

    [Fact]
    public void AnOnnxModelIsExplainedAtItsDefaultLayerWithTheMapsOfTheLibrary()
    {
        var (_, images, _) = Setup();
        var output = PathOf("onnx");
        Assert.Equal(0, Run("explain", "--onnx", SqueezeNetOnnx, "--image", images, "--class", "4", "--method", "gradcam,layercam", "--save-raw", "--out", output));
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "noise.json")));
        Assert.Equal("/classifier/classifier.2/Relu", summary.RootElement.GetProperty("layer").GetString());
        Assert.Equal("squeezenet1_1-opset17.onnx", summary.RootElement.GetProperty("architecture").GetString());

        // The same maps as the library gives for the same preprocessed image.
        using var model = Onnx.OnnxModel.Load(SqueezeNetOnnx);
        using var input = Imaging.ImagePreprocessor.ImageNet.ToTensor(Imaging.RgbImage.Load(Path.Combine(images, "noise.png")));
        using var expected = new CamExplainer(model, model.DefaultLayer).Explain(input, Targets.CamTarget.Class(4));
        using var raw = Npy.Read(Path.Combine(output, "noise.gradcam.raw.npy"));
        Assert.Equal(new long[] { 1, 13, 13 }, raw.shape);
        Assert.True(Tensors.MaxAbsDifference(expected.RawMaps, raw) <= 1e-6 * expected.RawMaps.abs().max().item<float>() + 1e-12);
        Assert.True(File.Exists(Path.Combine(output, "noise.layercam.overlay.png")));
    }

    [Fact]
    public void AnOnnxModelTakesNoWeightsNoArchitectureAndNoCam()
    {
        var (weights, images, _) = Setup();
        Assert.Equal(2, Run("explain", "--onnx", SqueezeNetOnnx, "--arch", "squeezenet1_1", "--image", images, "--out", PathOf("a")));
        Assert.Contains("not both", Errors.ToString());
        Assert.Equal(2, Run("explain", "--onnx", SqueezeNetOnnx, "--weights", weights, "--image", images, "--out", PathOf("b")));
        Assert.Contains("holds its own weights", Errors.ToString());
        Assert.Equal(2, Run("explain", "--onnx", SqueezeNetOnnx, "--method", "cam", "--image", images, "--out", PathOf("c")));
        Assert.Contains("--arch models only", Errors.ToString());
        Assert.Equal(2, Run("explain", "--onnx", SqueezeNetOnnx, "--layer", "/features/nope", "--image", images, "--out", PathOf("d")));
        Assert.Contains("no node or output named '/features/nope'", Errors.ToString());
    }

    [Fact]
    public void InspectListsTheNodesWithTheirShapesAndMarksTheDefault()
    {
        Assert.Equal(0, Run("inspect", SqueezeNetOnnx));
        var lines = Output.ToString().Split('\n');
        Assert.Contains(lines, l => l.Contains("/classifier/classifier.2/Relu", StringComparison.Ordinal) && l.Contains("1×10×13×13", StringComparison.Ordinal) && l.Contains("default", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("/features/features.0/Conv", StringComparison.Ordinal) && l.Contains("1×64×111×111", StringComparison.Ordinal));
        Assert.Contains("65 nodes, opset 17", Output.ToString());
    }

    [Fact]
    public void AConceptImageIsExplainedAsTheSimilarityToItsEmbedding()
    {
        var (_, images, _) = Setup();
        var noise = Path.Combine(images, "noise.png");
        var output = PathOf("concept");
        Assert.Equal(0, Run("explain", "--onnx", SqueezeNetOnnx, "--image", noise, "--concept-image", noise, "--save-raw", "--out", output));
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "noise.json")));
        var explained = summary.RootElement.GetProperty("classes")[0];
        Assert.Equal(-1, explained.GetProperty("index").GetInt32());
        Assert.Equal("concept", explained.GetProperty("label").GetString());
        // The image's own embedding: a cosine similarity of 1.
        Assert.Equal(1.0, explained.GetProperty("score").GetDouble(), 5);

        using var model = Onnx.OnnxModel.Load(SqueezeNetOnnx);
        using var input = Imaging.ImagePreprocessor.ImageNet.ToTensor(Imaging.RgbImage.Load(noise));
        using var embedding = model.call(input);
        using var concept = embedding.detach();
        using var target = new Targets.SimilarityToConceptTarget(concept);
        using var expected = new CamExplainer(model, model.DefaultLayer).Explain(input, target);
        using var raw = Npy.Read(Path.Combine(output, "noise.gradcam.raw.npy"));
        Assert.True(Tensors.MaxAbsDifference(expected.RawMaps, raw) <= 1e-6 * expected.RawMaps.abs().max().item<float>() + 1e-12);

        Assert.Equal(2, Run("explain", "--onnx", SqueezeNetOnnx, "--image", noise, "--concept", noise, "--class", "1", "--out", PathOf("c2")));
        Assert.Contains("excludes --class and --top", Errors.ToString());
        Assert.Equal(2, Run("explain", "--onnx", SqueezeNetOnnx, "--image", noise, "--concept", PathOf("none.png"), "--out", PathOf("c3")));
        Assert.Contains("--concept:", Errors.ToString());
    }
}
