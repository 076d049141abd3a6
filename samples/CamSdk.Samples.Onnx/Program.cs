using System;
using System.IO;
using CamSdk;
using CamSdk.Imaging;
using CamSdk.Localization;
using CamSdk.Onnx;
using CamSdk.Targets;
using TorchSharp;
using static TorchSharp.torch;

// An ONNX model that .NET users hold, explained: ML.NET's ImageNet-trained ResNet-18 featurizer (no class head, 512
// features out) imported as a TorchSharp module, and asked where a photograph looks like a crop of itself.
// Usage: dotnet run --project samples/CamSdk.Samples.Onnx -- [photo] [x y width height] [output.png]
var here = AppContext.BaseDirectory;
var photoPath = args.Length > 0 ? args[0] : Path.Combine(here, "photos", "coffee.png");
var (x, y, width, height) = args.Length >= 5
    ? (int.Parse(args[1]), int.Parse(args[2]), int.Parse(args[3]), int.Parse(args[4]))
    : (170, 15, 250, 200); // the cup
var output = args.Length >= 6 ? args[5] : "onnx-concept.png";

// ML.NET runs two models: its preprocessing (RGB to BGR, minus a mean image) and the ResNet-18.
using var preprocess = OnnxModel.Load(Path.Combine(here, "DnnImageModels", "ResNetPrepOnnx", "ResNetPreprocess.onnx"));
using var resnet = OnnxModel.Load(Path.Combine(here, "DnnImageModels", "ResNet18Onnx", "ResNet18.onnx"));
using var model = nn.Sequential(("preprocess", preprocess), ("resnet", resnet));
model.eval();
Console.WriteLine($"ResNet18.onnx: {resnet.Layers.Count} nodes, opset {resnet.Opset}; explaining '{resnet.DefaultLayerInfo!.Name}' ({string.Join("×", resnet.DefaultLayerInfo.Shape)}).");

// Pixels as ML.NET feeds them: 224×224, RGB in [0, 255].
var pixelScale = new ImagePreprocessor { Mean = [0f, 0f, 0f], Std = [1f / 255, 1f / 255, 1f / 255] };
Tensor Pixels(Tensor image) => nn.functional.interpolate(image, [224, 224], mode: InterpolationMode.Bilinear, align_corners: false);
var photo = RgbImage.Load(photoPath);
using var full = pixelScale.ToTensor(photo);
using var picture = Pixels(full);
using var crop = Pixels(full[.., .., TensorIndex.Slice(y, y + height), TensorIndex.Slice(x, x + width)]);

// The concept: the crop's embedding. The map: where the whole photograph looks like it.
Tensor concept;
using (no_grad())
{
    concept = model.call(crop);
}

using var target = new SimilarityToConceptTarget(concept);
using var result = new CamExplainer(model, resnet.DefaultLayer).Explain(picture, target);
var map = result.HeatmapToArray();
using var byteScale = 255.ToScalar(); // a Scalar held through the native call (see the README on TorchSharp's Scalar race)
using var unit = picture[0].div(byteScale);
var shown = CamPictures.Overlay(RgbImage.FromTensor(unit), map);
CamPictures.DrawBox(shown, new BoundingBox(x * 224 / photo.Width, y * 224 / photo.Height, ((x + width) * 224 / photo.Width) - 1, ((y + height) * 224 / photo.Height) - 1), "the crop").SavePng(output);
Console.WriteLine($"Similarity to the crop: {result.ScoresToArray()[0]:F3}. Wrote {output}.");
concept.Dispose();
