using Microsoft.CodeAnalysis;

namespace CamSdk.Generators.Diagnostics;

/// <summary>
/// Every diagnostic CamSdk reports. Ids are sequential and never reused; each message says how to fix the problem,
/// and each is explained on its page in docs/diagnostics (no help link until the project has a public home).
/// </summary>
internal static class Descriptors
{
    public static readonly DiagnosticDescriptor ModelNotPartial = Error(
        "CAM001", DiagnosticCategories.Usage, "Explained model must be partial",
        "The model '{0}' must be declared partial so that CamSdk can add its Explain methods: add the 'partial' modifier");

    public static readonly DiagnosticDescriptor ContainingTypeNotPartial = Error(
        "CAM002", DiagnosticCategories.Usage, "Type containing an explained model must be partial",
        "The type '{0}' contains the explained model '{1}' and must be declared partial too: add the 'partial' modifier");

    public static readonly DiagnosticDescriptor NotATorchSharpModule = Error(
        "CAM003", DiagnosticCategories.Usage, "Explained model must be a TorchSharp Module<Tensor, Tensor>",
        "The model '{0}' must derive from TorchSharp's nn.Module<Tensor, Tensor> (an image batch in, scores out) to be explained");

    public static readonly DiagnosticDescriptor NoExplainLayer = Error(
        "CAM004", DiagnosticCategories.Usage, "Model has no [ExplainLayer]",
        "The model '{0}' has a [ClassHead] but no [ExplainLayer]: mark the layer to explain (usually the last convolutional layer or block) with [ExplainLayer(IsDefault = true)]");

    public static readonly DiagnosticDescriptor ExplainLayerNotAModule = Error(
        "CAM005", DiagnosticCategories.Usage, "[ExplainLayer] member is not a module",
        "'{0}' cannot be explained: [ExplainLayer] goes on an instance field or readable property whose type is a TorchSharp Module<Tensor, Tensor> (a convolution or a block of layers), and '{0}' is of type '{1}'");

    public static readonly DiagnosticDescriptor SeveralDefaultLayers = Error(
        "CAM006", DiagnosticCategories.Usage, "Several default layers",
        "The model '{0}' marks both '{1}' and '{2}' with IsDefault = true: keep IsDefault on one layer only");

    public static readonly DiagnosticDescriptor MissingClassHead = Warning(
        "CAM007", DiagnosticCategories.Usage, "Model has no [ClassHead]",
        "The model '{0}' has no [ClassHead], so class indices are checked only at run time and results carry no label names: add [ClassHead(typeof(YourLabels))] or [ClassHead(classCount)] to the class");

    public static readonly DiagnosticDescriptor DuplicateClassHead = Error(
        "CAM008", DiagnosticCategories.Usage, "[ClassHead] declared more than once",
        "The model '{0}' declares [ClassHead] more than once: keep one, on the class or on the method that computes the class scores");

    public static readonly DiagnosticDescriptor LabelsNotAnEnum = Error(
        "CAM009", DiagnosticCategories.Usage, "Labels type is not an enum",
        "[ClassHead(typeof({0}))] needs an enum with one member per class: '{0}' is not an enum");

    public static readonly DiagnosticDescriptor LabelsNotContiguous = Error(
        "CAM010", DiagnosticCategories.Usage, "Labels enum values are not the class indices",
        "The labels enum '{0}' must have the values 0, 1, …, {1} (one per class, in class order), but '{2}' is {3}: remove the explicit values or renumber the members");

    public static readonly DiagnosticDescriptor ScoreMethodSignature = Error(
        "CAM011", DiagnosticCategories.Usage, "Class head method has the wrong signature",
        "The [ClassHead] method '{0}' must be an instance method 'Tensor {0}(Tensor output)' that returns the N×C class scores computed from the model's output");

    public static readonly DiagnosticDescriptor ExplainLayerCalledWithForward = Error(
        "CAM012", DiagnosticCategories.Correctness, "[ExplainLayer] member is run with forward(), which bypasses hooks",
        "'{0}.forward(...)' does not run TorchSharp's hooks, so CamSdk cannot capture the layer's activations: call '{0}.call(...)' instead");

    public static readonly DiagnosticDescriptor ReluCalledWithForward = Warning(
        "CAM013", DiagnosticCategories.Correctness, "ReLU module is run with forward(), which bypasses hooks",
        "'{0}.forward(...)' does not run TorchSharp's hooks, so Guided Backpropagation cannot guide this ReLU: call '{0}.call(...)' instead");

    public static readonly DiagnosticDescriptor FunctionalRelu = Warning(
        "CAM014", DiagnosticCategories.Correctness, "Functional ReLU in forward cannot be guided",
        "'{0}' applies a ReLU that no hook can reach, so Guided Backpropagation will pass negative gradients through it: use a ReLU module field (nn.ReLU()) and apply it with .call(x)");

    public static readonly DiagnosticDescriptor InPlaceRelu = Warning(
        "CAM015", DiagnosticCategories.Correctness, "In-place ReLU module",
        "nn.ReLU(inplace: true) overwrites its input; CamSdk handles it, but an activation kept by other code is overwritten too: prefer nn.ReLU() unless memory is tight");

    public static readonly DiagnosticDescriptor ClassIndexOutOfRange = Error(
        "CAM016", DiagnosticCategories.Correctness, "Class index out of range",
        "Class index {0} is out of range: '{1}' has {2} classes, so valid indices are 0 to {3}");

    public static readonly DiagnosticDescriptor DerivedFromAnnotatedModel = Error(
        "CAM017", DiagnosticCategories.Usage, "Model derives from another explained model",
        "The model '{0}' derives from '{1}', which already has [ExplainLayer] members and its Explain methods: annotate the layers in one class of the hierarchy only");

    public static readonly DiagnosticDescriptor DuplicateLayerName = Error(
        "CAM018", DiagnosticCategories.Usage, "Two layers have the same name",
        "The layers '{0}' and '{1}' would both be named '{2}' in the model's Layers enum: give one of them another name with [ExplainLayer(Name = \"...\")]");

    public static readonly DiagnosticDescriptor ClassCountNotPositive = Error(
        "CAM019", DiagnosticCategories.Usage, "Class count is not positive",
        "[ClassHead({0})] must give a positive number of classes");

    public static readonly DiagnosticDescriptor LayerRequired = Error(
        "CAM020", DiagnosticCategories.Usage, "A layer is required",
        "'{0}' has {1} explainable layers and none is the default: pass the layer to explain (layer: {0}.Layers.{2}), or mark one [ExplainLayer(IsDefault = true)]");

    // No help link until the project has a public home: each diagnostic's page is docs/diagnostics/<id>.md in the repository.
    private static DiagnosticDescriptor Error(string id, string category, string title, string message) =>
        new(id, title, message, category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    private static DiagnosticDescriptor Warning(string id, string category, string title, string message) =>
        new(id, title, message, category, DiagnosticSeverity.Warning, isEnabledByDefault: true);
}
