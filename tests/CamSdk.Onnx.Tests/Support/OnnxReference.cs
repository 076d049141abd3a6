using CamSdk.Onnx.Protobuf;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using static TorchSharp.torch;
using Tensor = TorchSharp.torch.Tensor;

namespace CamSdk.Tests.Support;

/// <summary>ONNX Runtime as the reference: the same model bytes and input, run by ORT and by the importer.</summary>
internal static class OnnxReference
{
    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "TestData", "torchvision");

    /// <summary>A committed export by file name (TestData/torchvision).</summary>
    internal static string PathOf(string file) => Path.Combine(Folder, file);

    /// <summary>
    /// A committed "*.graph.onnx" export with the fixed weights put back into its initializers (every initializer is a
    /// state-dict tensor under its key: see export_torchvision.py).
    /// </summary>
    internal static byte[] WithFixedWeights(string file)
    {
        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(PathOf(file)));
        Assert.All(model.Graph.Initializer, initializer => Assert.Equal((int)TensorProto.Types.DataType.Float, initializer.DataType));
        FixedOnnxWeights.Fill(model);
        return model.ToByteArray();
    }

    /// <summary>What ONNX Runtime computes for the model's first output on one float input, one thread per operator as the tests run.</summary>
    internal static float[] Run(byte[] model, Tensor input)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1, GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL };
        using var session = new InferenceSession(model, options);
        var data = input.contiguous().data<float>().ToArray();
        var tensor = new DenseTensor<float>(data, [.. input.shape.Select(d => (int)d)]);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(session.InputMetadata.Keys.First(), tensor)]);
        return [.. results.First().AsEnumerable<float>()];
    }

    /// <summary>The largest difference relative to the reference's largest magnitude.</summary>
    internal static double RelativeDifference(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        var scale = expected.Max(v => Math.Abs((double)v));
        return expected.Zip(actual, (e, a) => Math.Abs((double)e - a)).Max() / Math.Max(scale, 1e-30);
    }
}
