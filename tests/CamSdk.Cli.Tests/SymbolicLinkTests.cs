using CamSdk.Cli;
using CamSdk.Internal;
using CamSdk.Evaluation;
using CamSdk.Imaging;
using CamSdk.Models;
using CamSdk.Tests.Support;
using SkiaSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace CamSdk.Tests;

/// <summary>
/// Every reader of a user's file takes a symbolic link (to the file, to another link, relative or absolute) exactly as the
/// file it leads to, as the Hugging Face hub's cache lays out models; a dangling link and a loop of links are clear errors
/// that name the link and its target; and the checks of declared sizes against real ones still hold through a link.
/// </summary>
public sealed class SymbolicLinkTests : IDisposable
{
    private readonly TemporaryFolder _folder = new("camsdk-links-");

    public void Dispose() => _folder.Dispose();

    /// <summary>Three ways to reach <paramref name="file"/>: an absolute link, a relative link from a subfolder, and a link to that link.</summary>
    private string[] Links(string file, string name)
    {
        Directory.CreateDirectory(_folder.PathOf("snapshots"));
        var absolute = _folder.PathOf($"{name}.absolute");
        File.CreateSymbolicLink(absolute, file);
        var relative = Path.Combine(_folder.Path, "snapshots", name);
        File.CreateSymbolicLink(relative, Path.Combine("..", Path.GetFileName(file)));
        var chained = _folder.PathOf($"{name}.chained");
        File.CreateSymbolicLink(chained, relative);
        Assert.True(new FileInfo(relative).Length < new FileInfo(file).Length, "the links must be shorter than the file, or the test proves nothing");
        return [absolute, relative, chained];
    }

    [Trait("Speed", "Slow")]
    [SymbolicLinkFact]
    public void WeightsInEveryFormatLoadThroughLinksAsFromTheFile()
    {
        manual_seed(27);
        var source = ResNet.ResNet18(numClasses: 3);
        foreach (var name in new[] { "model.pth", "model.safetensors", "model.dat" })
        {
            var path = _folder.PathOf(name);
            switch (Path.GetExtension(name))
            {
                case ".pth": PyTorchPickler.PickleStateDict(path, source.state_dict()); break;
                case ".safetensors": Safetensors.SaveStateDict(path, source.state_dict()); break;
                default: source.save(path); break;
            }

            foreach (var link in Links(path, name))
            {
                var target = ResNet.ResNet18(numClasses: 3);
                var report = ModelWeights.Load(target, link);
                Assert.Equal(ModelWeights.DetectFormat(path), report.Format);
                Assert.Equal(122, report.Loaded);
                var expected = source.state_dict();
                foreach (var (key, tensor) in target.state_dict())
                {
                    Assert.True(Tensors.MaxAbsDifference(expected[key], tensor) == 0, $"{name} through {link}: {key}");
                }
            }
        }
    }

    [SymbolicLinkFact]
    public void ATruncatedSafetensorsFileIsRefusedThroughALinkAsDirectly()
    {
        manual_seed(28);
        var path = _folder.PathOf("cut.safetensors");
        Safetensors.SaveStateDict(path, ResNet.ResNet18(numClasses: 3).state_dict());
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length - 100)]);
        var link = Links(path, "cut.safetensors")[2];
        var direct = Assert.Throws<CamWeightsException>(() => ModelWeights.Load(ResNet.ResNet18(numClasses: 3), path));
        var linked = Assert.Throws<CamWeightsException>(() => ModelWeights.Load(ResNet.ResNet18(numClasses: 3), link));
        Assert.Contains("not a valid safetensors file", direct.Message, StringComparison.Ordinal);
        Assert.Equal(direct.Message.Replace(path, "FILE", StringComparison.Ordinal), linked.Message.Replace(link, "FILE", StringComparison.Ordinal));
    }

    [SymbolicLinkFact]
    public void ArraysImagesLabelsAndAnnotationsReadThroughLinksAsFromTheFile()
    {
        using var array = arange(Scalars.Of(0), Scalars.Of(24), Scalars.Of(1), dtype: float32).reshape(1, 2, 3, 4);
        var npy = _folder.PathOf("batch.npy");
        Npy.Write(npy, array);
        foreach (var link in Links(npy, "batch.npy"))
        {
            using var read = Npy.Read(link);
            Assert.Equal(0, Tensors.MaxAbsDifference(array, read));
        }

        var rgb = Enumerable.Range(0, 6 * 5 * 3).Select(i => (byte)(i * 7)).ToArray();
        var png = _folder.Write("image.png", ImageFiles.Encode(6, 5, rgb, SKEncodedImageFormat.Png));
        foreach (var link in Links(png, "image.png"))
        {
            var image = RgbImage.Load(link);
            Assert.Equal((6, 5), (image.Width, image.Height));
            Assert.Equal(RgbImage.Load(png).Pixels, image.Pixels);
        }

        var labels = _folder.Write("labels.txt", "tabby cat\ngolden retriever\nsnowy owl\n"u8.ToArray());
        foreach (var link in Links(labels, "labels.txt"))
        {
            Assert.Equal(["tabby cat", "golden retriever", "snowy owl"], ModelLoading.ReadLabels(link, 3)!);
        }

        // A dataset folder whose annotations and images are links into a blob folder.
        var blobs = Directory.CreateDirectory(_folder.PathOf("blobs")).FullName;
        var dataset = Directory.CreateDirectory(_folder.PathOf("dataset")).FullName;
        File.WriteAllText(Path.Combine(blobs, "a"), $"{EvaluationFolder.Header}\nimage.png,dog,1,1,3,3\n");
        File.Copy(png, Path.Combine(blobs, "b"));
        File.CreateSymbolicLink(Path.Combine(dataset, EvaluationFolder.AnnotationsFile), Path.Combine("..", "blobs", "a"));
        File.CreateSymbolicLink(Path.Combine(dataset, "image.png"), Path.Combine(blobs, "b"));
        var set = EvaluationFolder.Load(dataset, ["cat", "dog", "bird"]);
        Assert.Equal(1, Assert.Single(set.SingleObjectImages).Objects[0].ClassIndex);
    }

    [SymbolicLinkFact]
    public void ADanglingLinkAndALoopOfLinksAreClearErrorsNamingLinkAndTarget()
    {
        var dangling = _folder.PathOf("dangling.safetensors");
        File.CreateSymbolicLink(dangling, "blobs/gone");
        var (loop1, loop2) = (_folder.PathOf("loop1"), _folder.PathOf("loop2"));
        File.CreateSymbolicLink(loop1, "loop2");
        File.CreateSymbolicLink(loop2, "loop1");
        var readers = new (string Name, Func<string, object> Read, Type Error)[]
        {
            ("weights", p => ModelWeights.Load(ResNet.ResNet18(numClasses: 3), p), typeof(CamWeightsException)),
            ("image", p => RgbImage.Load(p), typeof(CamImageException)),
            (".npy", p => Npy.Read(p), typeof(CamInputException)),
            ("labels", p => ModelLoading.ReadLabels(p, 3)!, typeof(CamException)),
        };
        foreach (var (name, read, type) in readers)
        {
            var gone = Assert.IsAssignableFrom<CamException>(Record.Exception(() => read(dangling)));
            Assert.IsType(type, gone);
            Assert.Contains(dangling, gone.Message, StringComparison.Ordinal);
            Assert.Contains("'blobs/gone'", gone.Message, StringComparison.Ordinal);
            Assert.Contains("dangling", gone.Message, StringComparison.Ordinal);

            var loop = Assert.IsAssignableFrom<CamException>(Record.Exception(() => read(loop1)));
            Assert.IsType(type, loop);
            Assert.Contains(loop1, loop.Message, StringComparison.Ordinal);
            Assert.Contains("'loop2'", loop.Message, StringComparison.Ordinal);
            Assert.Contains("loop of links", loop.Message, StringComparison.Ordinal);
            _ = name;
        }

        // --out, a folder to write to: a dangling link is named as one, not called a file.
        var output = Assert.Throws<CamException>(() => OutputFolder.Prepare(dangling));
        Assert.Contains("symbolic link to 'blobs/gone', which leads to no folder", output.Message, StringComparison.Ordinal);
    }

    [SymbolicLinkFact]
    public void FolderSearchFollowsLinksToFilesAndFoldersOnceAndNeverLoops()
    {
        var png = ImageFiles.Encode(2, 2, new byte[12], SKEncodedImageFormat.Png);
        var root = Directory.CreateDirectory(_folder.PathOf("photos")).FullName;
        var outside = Directory.CreateDirectory(_folder.PathOf("elsewhere")).FullName;
        File.WriteAllBytes(Path.Combine(root, "a.png"), png);
        File.WriteAllBytes(Path.Combine(outside, "b.png"), png);
        Directory.CreateDirectory(Path.Combine(root, "sub"));
        File.CreateSymbolicLink(Path.Combine(root, "sub", "c.png"), Path.Combine("..", "a.png"));      // a link to a file
        File.CreateSymbolicLink(Path.Combine(root, "sub", "up"), "..");                                 // a loop back to the root
        File.CreateSymbolicLink(Path.Combine(root, "more"), outside);                                   // a folder elsewhere
        File.CreateSymbolicLink(Path.Combine(root, "gone.png"), "nothing.png");                          // dangling: left out

        var files = Inputs.ImageFiles([root]).Select(f => Path.GetRelativePath(root, f)).ToArray();
        Assert.Equal(["a.png", Path.Combine("more", "b.png"), Path.Combine("sub", "c.png")], files);
    }
}
