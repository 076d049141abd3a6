using TorchSharp;

namespace CamSdk;

/// <summary>
/// What only an annotated model knows, stated by CamSdk's source generator from its <c>[ExplainLayer]</c> and
/// <c>[ClassHead]</c> attributes: its explainable layers, the default one, its classes and their labels, its class-score
/// head. The <c>Explain</c> methods that every such model has are the runtime's, over this interface
/// (<see cref="ExplainableModelExtensions"/>); the generator adds only the overloads typed by the model's labels.
/// </summary>
public interface IExplainableModel
{
    /// <summary>The facts that hold for every model of the type: layer names, default layer, classes, labels.</summary>
    ExplainableModelFacts ExplainableFacts { get; }

    /// <summary>The module of explainable layer <paramref name="index"/> (an index of <see cref="ExplainableModelFacts.LayerNames"/>).</summary>
    /// <param name="index">The layer's index: its value in the model's <c>Layers</c> enum.</param>
    /// <returns>The layer's module, as the model holds it now.</returns>
    torch.nn.Module<torch.Tensor, torch.Tensor> GetExplainableLayer(int index);

    /// <summary>
    /// How explainable layer <paramref name="index"/>'s output becomes an N×K×h×w map when it is not one (a
    /// transformer's tokens, a channels-last map); null, the default, for a layer that outputs a feature map. The
    /// explainers the model's <c>Explain</c> methods create apply it.
    /// </summary>
    /// <param name="index">The layer's index: its value in the model's <c>Layers</c> enum.</param>
    /// <returns>The reshape, or null.</returns>
    ActivationReshape? GetExplainableLayerReshape(int index) => null;

    /// <summary>The class scores of an output: the model's <c>[ClassHead]</c> method when it has one, else the output itself.</summary>
    /// <param name="output">The model's output.</param>
    /// <returns>N×C class scores.</returns>
    torch.Tensor ClassScores(torch.Tensor output);
}
