using System;
using System.Collections.Generic;
using System.Linq;

namespace CamSdk;

/// <summary>
/// The facts CamSdk's generator states about an annotated model type (<see cref="IExplainableModel"/>), one instance per type.
/// </summary>
public sealed class ExplainableModelFacts
{
    /// <summary>Creates the facts; the generator calls this once per model type.</summary>
    /// <param name="modelName">The model type's name, for messages.</param>
    /// <param name="layersType">The model's generated <c>Layers</c> enum.</param>
    /// <param name="layerNames">The explainable layers' member names, in the enum's order.</param>
    /// <param name="defaultLayer">The default layer's index, or −1 when there are several layers and none is the default.</param>
    /// <param name="classCount">The number of classes the class head declares, or null when it is known at run time only.</param>
    /// <param name="classLabels">The labels enum's names in value order, or null.</param>
    /// <param name="hasClassScores">Whether the model has a <c>[ClassHead]</c> method that maps its output to class scores.</param>
    public ExplainableModelFacts(string modelName, Type layersType, IReadOnlyList<string> layerNames, int defaultLayer, int? classCount, IReadOnlyList<string>? classLabels, bool hasClassScores)
    {
        ArgumentNullException.ThrowIfNull(modelName);
        ArgumentNullException.ThrowIfNull(layersType);
        ArgumentNullException.ThrowIfNull(layerNames);
        if (!layersType.IsEnum || layerNames.Count == 0 || defaultLayer < -1 || defaultLayer >= layerNames.Count)
        {
            throw new ArgumentException($"The facts of {modelName} are inconsistent: {layerNames.Count} layer(s), default {defaultLayer}, layers type {layersType.Name}.", nameof(layerNames));
        }

        ModelName = modelName;
        LayersType = layersType;
        LayerNames = [.. layerNames];
        DefaultLayer = defaultLayer;
        ClassCount = classCount;
        ClassLabels = classLabels is null ? null : [.. classLabels];
        HasClassScores = hasClassScores;
    }

    /// <summary>The model type's name.</summary>
    public string ModelName { get; }

    /// <summary>The model's generated <c>Layers</c> enum.</summary>
    public Type LayersType { get; }

    /// <summary>The explainable layers' member names, in declaration order (the enum's values are their indices).</summary>
    public IReadOnlyList<string> LayerNames { get; }

    /// <summary>The default layer's index, or −1 when there are several layers and none is the default.</summary>
    public int DefaultLayer { get; }

    /// <summary>The number of classes, when the class head declares it.</summary>
    public int? ClassCount { get; }

    /// <summary>The class labels, when the class head names a labels enum.</summary>
    public IReadOnlyList<string>? ClassLabels { get; }

    /// <summary>Whether the model maps its output to class scores with a <c>[ClassHead]</c> method.</summary>
    public bool HasClassScores { get; }

    /// <summary>The index of a layer given as the model's <c>Layers</c> value, or the default layer when null.</summary>
    /// <param name="layer">A value of <see cref="LayersType"/>, or null.</param>
    /// <returns>The layer's index.</returns>
    /// <exception cref="ArgumentException">A value of another enum, one that is no layer, or null where the model has no default layer.</exception>
    public int LayerIndex(Enum? layer)
    {
        if (layer is null)
        {
            return DefaultLayer >= 0 ? DefaultLayer : throw new ArgumentException(
                $"{ModelName} has {LayerNames.Count} explainable layers and none is the default: say which ({string.Join(", ", Enum.GetNames(LayersType).Select(n => $"{ModelName}.Layers.{n}"))}), " +
                "or mark one [ExplainLayer(IsDefault = true)].", nameof(layer));
        }

        if (layer.GetType() != LayersType)
        {
            throw new ArgumentException($"{layer.GetType().FullName}.{layer} is not a layer of {ModelName}: give a value of {ModelName}.Layers.", nameof(layer));
        }

        var index = Convert.ToInt32(layer, System.Globalization.CultureInfo.InvariantCulture);
        return index >= 0 && index < LayerNames.Count ? index : throw new ArgumentException($"{layer} is not a layer of {ModelName}.", nameof(layer));
    }
}
