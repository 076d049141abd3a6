using System;

namespace CamSdk;

/// <summary>
/// Describes the class scores of a <c>partial</c> TorchSharp model for CamSdk's source generator: the labels
/// enum or the number of classes (on the model class), or the method that computes the class scores from the
/// model's output (on a method of the model).
/// </summary>
/// <example>
/// <code>
/// [ClassHead(typeof(Shape))]
/// public partial class ShapeNet : Module&lt;Tensor, Tensor&gt; { ... }
/// </code>
/// </example>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class ClassHeadAttribute : Attribute
{
    /// <summary>
    /// Class scores whose count is known only at run time; on a method <c>Tensor M(Tensor output)</c>, the model's
    /// class scores are that method's N×C result.
    /// </summary>
    public ClassHeadAttribute()
    {
    }

    /// <summary>Class scores named by an enum whose members, in value order 0, 1, 2…, are the classes.</summary>
    /// <param name="labels">An enum type with one member per class, valued 0 to C − 1.</param>
    public ClassHeadAttribute(Type labels)
    {
        Labels = labels;
    }

    /// <summary>A known number of classes, without names.</summary>
    /// <param name="classCount">The number of class scores the model returns.</param>
    public ClassHeadAttribute(int classCount)
    {
        ClassCount = classCount;
    }

    /// <summary>The labels enum, or null.</summary>
    public Type? Labels { get; }

    /// <summary>The number of classes when given as a number; 0 otherwise.</summary>
    public int ClassCount { get; }
}
