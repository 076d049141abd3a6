namespace CamSdk.Internal;

/// <summary>Formats tensor shapes for messages, as PyTorch prints them.</summary>
internal static class Shapes
{
    internal static string Format(long[] shape) => "[" + string.Join(", ", shape) + "]";
}
