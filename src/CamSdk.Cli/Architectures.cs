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
/// <param name="EndsInGlobalAveragePooling">True when the classifier is one linear layer after global average pooling, so CAM applies.</param>
/// <remarks>
/// The layers a model can explain, and the one explained when none is named, are the model's own: its
/// <c>[ExplainLayer]</c> members and the one marked <c>IsDefault</c> (<see cref="DefaultLayer"/>, <see cref="Layers"/>).
/// </remarks>
internal sealed record Architecture(
    string Name,
    Func<int, torch.nn.Module<torch.Tensor, torch.Tensor>> Create,
    string ClassifierWeight,
    bool EndsInGlobalAveragePooling)
{
    /// <summary>The zoo's architectures (<see cref="ModelZoo"/>), as the command line names them.</summary>
    internal static IReadOnlyList<Architecture> All { get; } =
        [.. ModelZoo.Architectures.Select(a => new Architecture(a.Name, a.Create, a.ClassifierKey, a.EndsInGlobalAveragePooling))];

    /// <summary>The module path of the layer the model marks <c>[ExplainLayer(IsDefault = true)]</c> (e.g. <c>layer4</c>).</summary>
    internal string DefaultLayer(torch.nn.Module model) =>
        model is IExplainableModel { ExplainableFacts.DefaultLayer: >= 0 } explainable
            ? PathOf(model, explainable.GetExplainableLayer(explainable.ExplainableFacts.DefaultLayer))
            : throw new CamException($"{Name} marks no default layer: give --layer.");

    /// <summary>The module paths of the layers the model marks <c>[ExplainLayer]</c>, in its order, the default one said so.</summary>
    internal IReadOnlyList<string> Layers(torch.nn.Module model)
    {
        if (model is not IExplainableModel explainable)
        {
            return [];
        }

        var facts = explainable.ExplainableFacts;
        return [.. Enumerable.Range(0, facts.LayerNames.Count).Select(i => PathOf(model, explainable.GetExplainableLayer(i)) + (i == facts.DefaultLayer ? " (the default)" : string.Empty))];
    }

    private static string PathOf(torch.nn.Module model, torch.nn.Module layer) =>
        model.named_modules().First(m => ReferenceEquals(m.module, layer)).name;

    internal static string Names => string.Join(", ", All.Select(a => a.Name));

    internal static Architecture Find(string name) =>
        All.FirstOrDefault(a => string.Equals(a.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new CamException($"Unknown architecture '{name}'. Valid choices: {Names}.");

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

        List<CamMethod> methods = [.. CamMethods.ByKey.Values.Distinct()];
        if (EndsInGlobalAveragePooling)
        {
            methods.Add(new Cam(FindClassifier(model)));
        }

        return methods;
    }

    /// <summary>The last linear layer (what CAM weighs channels with).</summary>
    internal torch.nn.Module<torch.Tensor, torch.Tensor> FindClassifier(torch.nn.Module model) => FindLayer(model, ClassifierWeight[..^".weight".Length]);

    /// <summary>The module at a path of <c>named_modules()</c> (e.g. <c>layer4</c>, <c>layer4.1.conv2</c>).</summary>
    internal torch.nn.Module<torch.Tensor, torch.Tensor> FindLayer(torch.nn.Module model, string path)
    {
        var match = model.named_modules().FirstOrDefault(m => m.name == path).module;
        return match as torch.nn.Module<torch.Tensor, torch.Tensor>
            ?? throw new CamException(
                $"Unknown layer '{path}' for {Name}. Valid choices: {string.Join(", ", Layers(model))} " +
                "(the zoo's explainable layers), or any module path that named_modules() lists, such as layer4.1.conv2.");
    }
}
