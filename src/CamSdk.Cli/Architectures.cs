using System;
using System.Collections.Generic;
using System.Linq;
using CamSdk.Methods;
using CamSdk.Models;
using TorchSharp;

namespace CamSdk.Cli;

/// <summary>One architecture of the model zoo, as the command line names it.</summary>
/// <param name="Name">torchvision's name (<c>resnet50</c>).</param>
/// <param name="Create">Builds the model for a number of classes.</param>
/// <param name="ClassifierWeight">The state-dict key of the last linear layer's weight, which gives the number of classes.</param>
/// <param name="DefaultLayer">The layer explained when none is named (the paper's last convolutional layer).</param>
/// <param name="Layers">The layers the zoo marks as explainable; any module path of the model is accepted too.</param>
/// <param name="EndsInGlobalAveragePooling">True when the classifier is one linear layer after global average pooling, so CAM applies.</param>
internal sealed record Architecture(
    string Name,
    Func<int, torch.nn.Module<torch.Tensor, torch.Tensor>> Create,
    string ClassifierWeight,
    string DefaultLayer,
    IReadOnlyList<string> Layers,
    bool EndsInGlobalAveragePooling)
{
    private static readonly string[] ResNetLayers = ["layer4", "layer3", "layer2", "layer1"];

    internal static IReadOnlyList<Architecture> All { get; } =
    [
        new("resnet18", n => ResNet.ResNet18(n), "fc.weight", "layer4", ResNetLayers, true),
        new("resnet34", n => ResNet.ResNet34(n), "fc.weight", "layer4", ResNetLayers, true),
        new("resnet50", n => ResNet.ResNet50(n), "fc.weight", "layer4", ResNetLayers, true),
        new("vgg16", n => Vgg.Vgg16(n), "classifier.6.weight", "features.29", ["features.29", "features"], false),
    ];

    internal static string Names => string.Join(", ", All.Select(a => a.Name));

    internal static Architecture Find(string name) =>
        All.FirstOrDefault(a => string.Equals(a.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new CamException($"Unknown architecture '{name}'. Valid choices: {Names}.");

    /// <summary>The module at a path of <c>named_modules()</c> (e.g. <c>layer4</c>, <c>layer4.1.conv2</c>).</summary>
    /// <summary>
    /// The CAM-family methods of a --method list, or when there is none the whole family, and CAM where the model ends in
    /// global average pooling (Guided Backpropagation and Guided Grad-CAM are added by the commands that measure them).
    /// </summary>
    internal IReadOnlyList<CamMethod> Methods(string? list, torch.nn.Module model)
    {
        if (list is not null)
        {
            return MethodNames.CamFamily(list, () => FindClassifier(model));
        }

        List<CamMethod> methods = [.. CamMethod.ByName.Values.Distinct()];
        if (EndsInGlobalAveragePooling)
        {
            methods.Add(CamMethod.Cam(FindClassifier(model)));
        }

        return methods;
    }

    /// <summary>The last linear layer (what CAM weighs channels with).</summary>
    internal torch.nn.Module<torch.Tensor, torch.Tensor> FindClassifier(torch.nn.Module model) => FindLayer(model, ClassifierWeight[..^".weight".Length]);

    internal torch.nn.Module<torch.Tensor, torch.Tensor> FindLayer(torch.nn.Module model, string path)
    {
        var match = model.named_modules().FirstOrDefault(m => m.name == path).module;
        return match as torch.nn.Module<torch.Tensor, torch.Tensor>
            ?? throw new CamException(
                $"Unknown layer '{path}' for {Name}. Valid choices: {string.Join(", ", Layers)} " +
                "(the zoo's explainable layers), or any module path that named_modules() lists, such as layer4.1.conv2.");
    }
}
