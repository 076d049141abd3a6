using System.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace CamSdk.Tests.Support;

/// <summary>
/// The fixed weights of TestData/torchvision/make_reference.py, bit for bit: every element from its tensor's key and
/// its index, in integer arithmetic and IEEE double rounded once to float32, so a model here and torchvision's model
/// there hold identical weights without a file of hundreds of megabytes.
/// </summary>
internal static class FixedWeights
{
    /// <summary>Fills every floating-point tensor of <paramref name="model"/>'s state dict with its fixed values.</summary>
    internal static void Apply(nn.Module model)
    {
        using var noGrad = no_grad();
        foreach (var (key, tensor) in model.state_dict())
        {
            if (tensor.dtype == ScalarType.Float32)
            {
                using var values = torch.tensor(Values(key, tensor.shape)).reshape(tensor.shape);
                tensor.copy_(values);
            }
        }
    }

    /// <summary>The fixed input: <c>uniform("input", 3·side·side)</c> as a 1×3×side×side tensor.</summary>
    internal static Tensor Input(int side = 224)
    {
        var seed = Seed("input");
        var values = new float[3 * side * side];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (float)Uniform(seed, i);
        }

        return torch.tensor(values).reshape(1, 3, side, side);
    }

    /// <summary>The script's <c>values(key, shape)</c>: the fixed value of every element, by the tensor's role.</summary>
    internal static float[] Values(string key, long[] shape)
    {
        var count = shape.Aggregate(1L, (a, b) => a * b);
        var seed = Seed(key);
        var scale = Math.Sqrt(3.0 / (shape.Length > 1 ? count / shape[0] : 1));
        Func<double, double> role =
            key.EndsWith("running_var", StringComparison.Ordinal) ? u => 0.5 + (0.25 * (u + 1.0))
            : key.EndsWith("running_mean", StringComparison.Ordinal) ? u => 0.1 * u
            : shape.Length <= 1 && key.EndsWith("weight", StringComparison.Ordinal) ? u => 1.0 + (0.1 * u)
            : shape.Length <= 1 ? u => 0.1 * u
            : u => u * scale;
        var result = new float[count];
        for (long i = 0; i < count; i++)
        {
            result[i] = (float)role(Uniform(seed, i));
        }

        return result;
    }

    /// <summary>FNV-1a of the key's UTF-8 bytes.</summary>
    private static uint Seed(string key)
    {
        uint seed = 0x811C9DC5;
        foreach (var b in Encoding.UTF8.GetBytes(key))
        {
            seed = unchecked((seed ^ b) * 0x01000193);
        }

        return seed;
    }

    /// <summary>The script's <c>uniform</c> at one index: splitmix64 of (index × golden ratio + seed), to [-1, 1) in steps of 2^-23.</summary>
    private static double Uniform(uint seed, long index)
    {
        unchecked
        {
            var h = ((ulong)index * 0x9E3779B97F4A7C15UL) + seed;
            h ^= h >> 30;
            h *= 0xBF58476D1CE4E5B9UL;
            h ^= h >> 27;
            h *= 0x94D049BB133111EBUL;
            h ^= h >> 31;
            return ((h >> 40) / 16777216.0 * 2.0) - 1.0;
        }
    }
}
