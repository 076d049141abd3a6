using static TorchSharp.torch;

namespace CamSdk.Tests.Support;

/// <summary>A test of what a CPU-only build does (its messages about CUDA): skipped, with the reason, where CUDA is available.</summary>
public sealed class NoCudaFactAttribute : FactAttribute
{
    public NoCudaFactAttribute()
    {
        if (cuda.is_available())
        {
            Skip = "CUDA is available here: this test checks what a CPU-only build says about CUDA.";
        }
    }
}
