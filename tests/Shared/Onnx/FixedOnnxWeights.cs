using CamSdk.Onnx.Protobuf;
using Google.Protobuf;

namespace CamSdk.Tests.Support;

/// <summary>
/// Puts the fixed weights (<see cref="FixedWeights"/>) into an exported graph's initializers, each a state-dict tensor
/// under its key (the committed "*.graph.onnx" exports hold none): for the ONNX tests and the ONNX benchmarks alike.
/// </summary>
internal static class FixedOnnxWeights
{
    /// <summary>Fills every initializer's raw data with the fixed float32 values for its name and shape.</summary>
    internal static void Fill(ModelProto model)
    {
        foreach (var initializer in model.Graph.Initializer)
        {
            var values = FixedWeights.Values(initializer.Name, [.. initializer.Dims]);
            var bytes = new byte[values.Length * sizeof(float)];
            Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
            initializer.RawData = ByteString.CopyFrom(bytes);
        }
    }
}
