using System.Text.Json;
using CamSdk.Models;
using CamSdk.Tests.Support;
using SkiaSharp;
using Spectre.Console;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace CamSdk.Tests;

/// <summary>
/// <c>camsdk</c> as scripts and pipes expect it: results on standard output, everything else on standard error,
/// no wrapping when redirected, progress as plain lines or nothing, one failing input never costs the others,
/// arguments checked before the model loads and in plain words.
/// </summary>
public sealed class CliCitizenTests() : CommandLineTests("camsdk-citizen-")
{
    private static string Weights(int classes = 3) => SavedResNets.ResNet18(seed: 11, classes);

    private string Image(string relative, int seed = 1)
    {
        var path = PathOf(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var pixels = new byte[64 * 48 * 3];
        new Random(seed).NextBytes(pixels);
        File.WriteAllBytes(path, ImageFiles.Encode(64, 48, pixels, SKEncodedImageFormat.Png));
        return path;
    }

    private string[] Explain(params string[] extra) =>
        ["explain", "--arch", "resnet18", "--resize", "64", "--crop", "64", .. extra];

    [Fact]
    public void ResultsGoToStandardOutputAndFailuresToStandardErrorUnwrapped()
    {
        var weights = Weights();
        var good = Image("in/good.png");
        var bad = PathOf("in", "a-very-long-folder-name-that-pushes-this-line-well-past-eighty-columns", "broken.png");
        Directory.CreateDirectory(Path.GetDirectoryName(bad)!);
        File.WriteAllText(bad, "not a png");
        var output = PathOf("out");

        Assert.Equal(1, Run(Explain("--weights", weights, "--image", PathOf("in"), "--out", output)));
        var results = Results.ToString();
        var errors = Errors.ToString();
        Assert.StartsWith("Wrote ", results);
        Assert.Contains("1 of 2 input(s) failed", results);
        Assert.DoesNotContain("broken", results);
        var failure = Assert.Single(errors.Split('\n'), l => l.StartsWith("failed:", StringComparison.Ordinal));
        Assert.Contains(bad, failure); // whole, on one line, though far longer than 80 columns
        Assert.True(failure.Length > 120);
        Assert.True(File.Exists(Path.Combine(output, "good.json")));
        Assert.True(File.Exists(good));
    }

    [Trait("Speed", "Slow")]
    [Fact]
    public void ProgressIsPlainLinesWhenRedirectedAndNothingWithQuiet()
    {
        var weights = Weights();
        Image("in/a.png", 1);
        Image("in/b.png", 2);
        Assert.Equal(0, Run(Explain("--weights", weights, "--image", PathOf("in"), "--out", PathOf("out"))));
        Assert.DoesNotContain("\u001b[", Errors.ToString()); // no cursor movement or colour codes in a redirect
        Assert.DoesNotContain("━", Errors.ToString()); // no bar
        Assert.DoesNotContain("Explaining", Results.ToString());

        // Long work prints a plain line now and then (Spectre's fallback: at 25, 50, 75 and 95-100 %, or every 30 s).
        var lines = new StringWriter();
        var redirected = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(lines), Interactive = InteractionSupport.No, ColorSystem = ColorSystemSupport.NoColors });
        new Cli.Terminal(redirected, redirected, quiet: false).Progress().Start(context =>
        {
            var task = context.AddTask("Explaining 4 input(s)", maxValue: 4);
            for (var i = 0; i < 4; i++)
            {
                Thread.Sleep(1100); // Spectre refreshes once a second
                task.Increment(1);
            }
        });
        var progress = lines.ToString().Split('\n').Where(l => l.StartsWith("Explaining 4 input(s): ", StringComparison.Ordinal)).ToList();
        Assert.InRange(progress.Count, 2, 5);
        Assert.DoesNotContain("\u001b[", lines.ToString());

        Assert.Equal(0, Run(Explain("--weights", weights, "--image", PathOf("in"), "--out", PathOf("out"), "--quiet")));
        Assert.Equal(string.Empty, Errors.ToString());
        Assert.StartsWith("Wrote ", Results.ToString());
    }

    [Fact]
    public void TheOutputFolderIsCheckedBeforeTheModelLoads()
    {
        var file = PathOf("taken");
        File.WriteAllText(file, "a file");
        Assert.Equal(2, Run(Explain("--image", Image("a.png"), "--out", file)));
        Assert.Contains($"--out '{file}' is a file", Errors.ToString());
        Assert.DoesNotContain("no --weights given", Errors.ToString()); // the model was never built

        Assert.Equal(2, Run("evaluate", "--out", file));
        Assert.Contains("is a file", Errors.ToString());
        Assert.Equal(2, Run("sanity", "--out", file));
        Assert.Contains("is a file", Errors.ToString());
    }

    [Trait("Speed", "Slow")]
    [Fact]
    public void FoldersAreSearchedRecursivelyGlobsMatchAndNoInputOverwritesAnother()
    {
        var weights = Weights();
        Image("photos/cat.png", 1);
        Image("photos/2024/cat.png", 2);
        Image("photos/2024/deep/dog.png", 3);
        Image("photos/notes.txt.png", 4);
        File.WriteAllText(PathOf("photos", "readme.txt"), "not an image");
        var output = PathOf("out");

        Assert.Equal(0, Run(Explain("--weights", weights, "--image", PathOf("photos"), "--image", PathOf("photos", "cat.png"), "--out", output)));
        Assert.Contains("is given more than once: it is explained once", Errors.ToString());
        var jsons = Directory.GetFiles(output, "*.json").Select(f => Path.GetFileName(f)).Order().ToArray();
        Assert.Equal(["cat.png-2.json", "cat.png.json", "dog.json", "notes.txt.json"], jsons);
        var sources = jsons.Select(j => JsonDocument.Parse(File.ReadAllText(Path.Combine(output, j!))).RootElement.GetProperty("source").GetString()).ToHashSet();
        Assert.Equal(4, sources.Count); // four different files, none overwritten

        var globbed = PathOf("globbed");
        Assert.Equal(0, Run(Explain("--weights", weights, "--image", PathOf("photos") + "/**/d*.png", "--out", globbed)));
        Assert.Equal(["dog.json"], Directory.GetFiles(globbed, "*.json").Select(f => Path.GetFileName(f)).ToArray());
        Assert.Equal(2, Run(Explain("--weights", weights, "--image", PathOf("photos") + "/**/*.gif", "--out", globbed)));
        Assert.Contains("matches no file", Errors.ToString());
    }

    [Theory]
    [InlineData(new[] { "--top", "abc" }, "--top takes a whole number of at least 1, such as 3; 'abc' is not one.")]
    [InlineData(new[] { "--top", "99999999999" }, "--top got 99999999999, which is too large (at most 2,147,483,647).")]
    [InlineData(new[] { "--threads", "-1" }, "--threads must be at least 1 (got -1).")]
    [InlineData(new[] { "--top", "0" }, "--top must be at least 1 (got 0).")]
    [InlineData(new[] { "--class", "1.5" }, "--class takes a whole number of at least 0, such as 3; '1.5' is not one.")]
    public void NumbersGetPlainLanguageErrors(string[] option, string message)
    {
        Assert.Equal(2, Run(Explain([.. option, "--image", Image("a.png"), "--out", PathOf("out")])));
        Assert.Contains(message, Errors.ToString());
        Assert.DoesNotContain("System.Int32", Errors.ToString());
        Assert.False(Directory.Exists(PathOf("out")));
    }

    [Fact]
    public void AnUnknownOptionIsNeverTakenAsAFileName()
    {
        Assert.Equal(2, Run(Explain("--image", "--bogus", "--out", PathOf("out"))));
        Assert.Contains("--image got '--bogus', which is an option, not a file", Errors.ToString());
        Assert.Equal(2, Run(Explain("--image", Image("a.png"), "--out", "--verbose")));
        Assert.Contains("--out got '--verbose'", Errors.ToString());
    }

    [Fact]
    public void EveryWrittenFileIsListedInTheSummaryWithTheChosenColourMap()
    {
        var weights = Weights();
        Image("in/a.png");
        var output = PathOf("out");
        Assert.Equal(0, Run(Explain("--weights", weights, "--image", PathOf("in"), "--save-raw", "--method", "gradcam,guided-gradcam", "--colormap", "viridis", "--out", output)));
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "a.json")));
        var listed = summary.RootElement.GetProperty("classes")[0].GetProperty("methods").EnumerateArray()
            .SelectMany(m => m.GetProperty("files").EnumerateArray().Select(f => f.GetString()!))
            .Concat(summary.RootElement.GetProperty("arrays").EnumerateArray().Select(f => f.GetString()!))
            .Append("a.json")
            .Order()
            .ToArray();
        Assert.Contains("a.gradcam.raw.npy", listed);
        Assert.Contains("a.guided-backprop.npy", listed);
        Assert.Equal(Directory.GetFiles(output).Select(f => Path.GetFileName(f)).Order().ToArray(), listed);

        // Viridis, not jet: the coldest colour of the heatmap is viridis's dark purple, not jet's dark blue.
        var heatmap = Imaging.RgbImage.Load(Path.Combine(output, "a.gradcam.heatmap.png"));
        var colours = Enumerable.Range(0, heatmap.Width * heatmap.Height).Select(i => heatmap[i % heatmap.Width, i / heatmap.Width]).ToHashSet();
        Assert.Contains(Imaging.Colormap.Viridis[0], colours);
        Assert.DoesNotContain(Imaging.Colormap.Jet[0], colours);
    }

    [Fact]
    public void ImageNetLabelsAreBuiltIn()
    {
        Image("in/a.png");
        var output = PathOf("out");
        Assert.Equal(0, Run(Explain("--image", PathOf("in"), "--class", "281", "--labels", "imagenet", "--out", output)));
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "a.json")));
        Assert.Equal("tabby", summary.RootElement.GetProperty("classes")[0].GetProperty("label").GetString());
        Assert.Equal(1000, Cli.ModelLoading.ImageNetClassNames().Length);
        Assert.Equal("tench", Cli.ModelLoading.ImageNetClassNames()[0]);
        Assert.Equal("toilet tissue", Cli.ModelLoading.ImageNetClassNames()[999]);

        Assert.Equal(2, Run(Explain("--weights", Weights(), "--image", PathOf("in"), "--labels", "imagenet", "--out", output)));
        Assert.Contains("names ImageNet's 1000 classes, but the model has 3", Errors.ToString());
    }

    [Fact]
    public void AFlatMapIsWarnedAbout()
    {
        Image("in/a.png");
        var output = PathOf("out");
        // resnet18's avgpool output is 1×1: one value per channel, so the map is constant.
        Assert.Equal(0, Run(Explain("--weights", Weights(), "--image", PathOf("in"), "--layer", "avgpool", "--out", output)));
        Assert.Contains("gradcam's map of", Errors.ToString());
        Assert.Contains("is flat: the layer's map is constant at its 1×1 resolution", Errors.ToString());
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "a.json")));
        var method = summary.RootElement.GetProperty("classes")[0].GetProperty("methods")[0];
        Assert.True(method.GetProperty("flat").GetBoolean());
        Assert.Equal(JsonValueKind.Null, method.GetProperty("box").ValueKind);
    }

    [Fact]
    public void MalformedNpyAndZeroClassWeightsAreErrorsNotCrashes()
    {
        var npy = PathOf("empty.npy");
        File.WriteAllBytes(npy, []);
        Assert.Equal(1, Run("explain", "--arch", "resnet18", "--input-npy", npy, "--out", PathOf("out")));
        Assert.Contains("is not a valid NumPy .npy file: it is empty", Errors.ToString());

        var zero = PathOf("zero.pth");
        var state = ResNet.ResNet18(numClasses: 3).state_dict();
        state["fc.weight"] = zeros(0, 512);
        state["fc.bias"] = zeros(0);
        PyTorchPickler.PickleStateDict(zero, state);
        Assert.Equal(2, Run(Explain("--weights", zero, "--image", Image("a.png"), "--out", PathOf("out"))));
        Assert.Contains("that is 0 classes: a model needs at least one class", Errors.ToString());
    }
}
