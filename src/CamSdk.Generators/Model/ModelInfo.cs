using CamSdk.Generators.Helpers;

namespace CamSdk.Generators.Model;

/// <summary>Everything the emitter needs of one model class; plain values only, so the pipeline caches it.</summary>
/// <param name="Hierarchy">Its namespace and containing types.</param>
/// <param name="Declaration">Its declaration head, e.g. <c>partial class ShapeNet</c> or <c>partial class Net&lt;T&gt;</c>.</param>
/// <param name="Name">Its name without type parameters.</param>
/// <param name="DisplayName">Its name with type parameters, for messages.</param>
/// <param name="CrefName">Its name for XML doc references, e.g. <c>Net{T}</c>.</param>
/// <param name="HintName">The generated file's hint name.</param>
/// <param name="Layers">The [ExplainLayer] members, in declaration order.</param>
/// <param name="Head">What the class head says of the classes.</param>
/// <param name="ClassCount">The number of classes, when known.</param>
/// <param name="LabelsType">The labels enum, fully qualified with <c>global::</c>, when there is one.</param>
/// <param name="Labels">The labels enum's member names, in value order.</param>
/// <param name="ScoreMethod">The [ClassHead] method that maps the output to class scores, if any.</param>
internal sealed record ModelInfo(
    HierarchyInfo Hierarchy,
    string Declaration,
    string Name,
    string DisplayName,
    string CrefName,
    string HintName,
    EquatableArray<LayerInfo> Layers,
    HeadKind Head,
    int ClassCount,
    string? LabelsType,
    EquatableArray<string> Labels,
    string? ScoreMethod);
