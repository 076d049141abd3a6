using System;
using System.IO;
using System.Linq;
using CamSdk.Imaging;
using CamSdk.Models;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

// Stands in for "a model you trained in PyTorch": trains the zoo's ResNet-18 (torchvision's architecture and state-dict
// names) to tell three shapes apart on seeded synthetic images, then writes what PyTorch users bring to camsdk:
//   model.pth    - the state dict, in torch.save's format (loadable by torch.load in Python too)
//   labels.txt   - one class name per line
//   example.png  - an image to explain
// Usage: dotnet run --project samples/CamSdk.Samples.PyTorchWeights -- [output folder]
var output = args.Length > 0 ? args[0] : "pytorch-weights";
Directory.CreateDirectory(output);
// Training differentiates through convolutions: make sure libtorch gets their gradients right on this machine.
CamSdk.NativeBackend.EnsureCorrectConvolutionGradients();
manual_seed(7);
var random = new Random(7);
string[] labels = ["circle", "square", "cross"];
const int Size = 112;

(byte[] Rgb, int Label) Draw()
{
    var label = random.Next(3);
    var radius = random.Next(14, 24);
    var (cy, cx) = (random.Next(radius + 2, Size - radius - 2), random.Next(radius + 2, Size - radius - 2));
    var (background, foreground) = (random.Next(40, 120), random.Next(170, 250));
    var rgb = new byte[Size * Size * 3];
    for (int y = 0; y < Size; y++)
    {
        for (int x = 0; x < Size; x++)
        {
            var (dy, dx) = (y - cy, x - cx);
            var inside = label switch
            {
                0 => (dy * dy) + (dx * dx) <= radius * radius,
                1 => Math.Abs(dy) <= radius - 3 && Math.Abs(dx) <= radius - 3,
                _ => (Math.Abs(dy) <= 3 && Math.Abs(dx) <= radius) || (Math.Abs(dx) <= 3 && Math.Abs(dy) <= radius),
            };
            var value = Math.Clamp((inside ? foreground : background) + random.Next(-20, 21), 0, 255);
            var i = ((y * Size) + x) * 3;
            (rgb[i], rgb[i + 1], rgb[i + 2]) = ((byte)value, (byte)(inside ? value / 2 : value), (byte)(255 - value));
        }
    }

    return (rgb, label);
}

var preprocessor = new ImagePreprocessor(); // what camsdk's --resize 112 --crop 112 does to a 112×112 image
var model = ResNet.ResNet18(numClasses: 3);
var optimizer = optim.Adam(model.parameters(), lr: 1e-3);
for (int step = 1; step <= 150; step++)
{
    using var scope = NewDisposeScope();
    var samples = Enumerable.Range(0, 16).Select(_ => Draw()).ToList();
    var batch = preprocessor.ToBatch([.. samples.Select(s => new RgbImage(Size, Size, s.Rgb))]);
    var target = tensor(samples.Select(s => (long)s.Label).ToArray());
    optimizer.zero_grad();
    var loss = nn.functional.cross_entropy(model.call(batch), target);
    loss.backward();
    optimizer.step();
    if (step % 50 == 0)
    {
        Console.WriteLine($"step {step}: loss {loss.item<float>():F3}");
    }
}

// Batch norm's running statistics lag weights that moved fast: settle them on the final weights before evaluating.
using (no_grad())
{
    for (int i = 0; i < 30; i++)
    {
        using var scope = NewDisposeScope();
        model.call(preprocessor.ToBatch([.. Enumerable.Range(0, 16).Select(_ => new RgbImage(Size, Size, Draw().Rgb))]));
    }
}

model.eval();
using (no_grad())
using (NewDisposeScope())
{
    var samples = Enumerable.Range(0, 60).Select(_ => Draw()).ToList();
    var batch = preprocessor.ToBatch([.. samples.Select(s => new RgbImage(Size, Size, s.Rgb))]);
    var predicted = model.call(batch).argmax(1).data<long>().ToArray();
    Console.WriteLine($"held-out accuracy: {samples.Where((s, i) => s.Label == predicted[i]).Count() / 60.0:P0}");
}

PyTorchPickler.PickleStateDict(Path.Combine(output, "model.pth"), model.state_dict());
File.WriteAllLines(Path.Combine(output, "labels.txt"), labels);
var example = Draw();
while (example.Label != 2)
{
    example = Draw();
}

new RgbImage(Size, Size, example.Rgb).SavePng(Path.Combine(output, "example.png"));
Console.WriteLine($"Wrote model.pth, labels.txt and example.png (a {labels[example.Label]}) to {Path.GetFullPath(output)}.");
Console.WriteLine($"Now: dotnet run --project src/CamSdk.Cli -- explain --arch resnet18 --weights {output}/model.pth --labels {output}/labels.txt --image {output}/example.png --resize 112 --crop 112 --layer layer3 --out {output}/explained");
