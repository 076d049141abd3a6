using System;
using System.Diagnostics;
using System.Linq;
using CamSdk.Samples.Quickstart;
using TorchSharp;
using static TorchSharp.torch;

// Quickstart: train a small CNN on synthetic shapes (seeded, no download), then ask Grad-CAM where it looked.
// Training differentiates through convolutions: make sure libtorch gets their gradients right on this machine.
CamSdk.NativeBackend.EnsureCorrectConvolutionGradients();
manual_seed(2017);
var data = new Shapes(seed: 2017);
var model = new ShapeNet();

var clock = Stopwatch.StartNew();
var optimizer = optim.Adam(model.parameters(), lr: 0.005);
for (int step = 1; step <= 300; step++)
{
    using var scope = NewDisposeScope();
    var (images, labels, _) = data.Batch(32);
    optimizer.zero_grad();
    var loss = nn.functional.cross_entropy(model.call(images), labels);
    loss.backward();
    optimizer.step();
}

model.eval();
using (no_grad())
using (NewDisposeScope())
{
    var (images, labels, _) = data.Batch(300);
    var accuracy = model.call(images).argmax(1).eq(labels).to_type(float32).mean().item<float>();
    Console.WriteLine($"Trained ShapeNet on 9,600 synthetic images in {clock.Elapsed.TotalSeconds:F1} s; held-out accuracy {accuracy:P1}.");
}

// --- The CamSdk part: explain one image with the methods the generator added to ShapeNet. ---
var (image, label, centres) = data.Batch(1);
using var result = model.ExplainPredicted(image);       // or model.Explain(image, Shape.Cross), model.Explain(image, 2, ShapeNet.Layers.Features)

var predicted = result.ClassLabels![0];                 // "Circle", "Square" or "Cross": the labels enum's names
var heatmap = result.HeatmapToArray(0);                 // 32×32, values in [0, 1]
Console.WriteLine($"True class: {(Shape)label[0].item<long>()}, predicted: {predicted} (score {result.ScoresToArray()[0]:F2}).");
Console.WriteLine($"Grad-CAM of 'features' ({result.RawMaps.shape[1]}×{result.RawMaps.shape[2]}), upsampled to 32×32:");
Console.WriteLine();

// The image and its heatmap side by side, two characters per pixel column.
const string ramp = " .:-=+*#%@";
var pixels = image[0, 0].data<float>().ToArray();
for (int y = 0; y < Shapes.Size; y += 2)
{
    var left = string.Concat(Enumerable.Range(0, Shapes.Size).Select(x => pixels[y * Shapes.Size + x] > 0.5f ? '#' : '.'));
    var right = string.Concat(Enumerable.Range(0, Shapes.Size).Select(x => ramp[(int)Math.Round(heatmap[y, x] * (ramp.Length - 1))]));
    Console.WriteLine($"  {left}    {right}");
}

var peak = Enumerable.Range(0, Shapes.Size * Shapes.Size).MaxBy(i => heatmap[i / Shapes.Size, i % Shapes.Size]);
var (row, column) = centres[0];
Console.WriteLine();
Console.WriteLine($"Heatmap peak at (row {peak / Shapes.Size}, column {peak % Shapes.Size}); the {(Shape)label[0].item<long>()} is centred at (row {row}, column {column}).");
