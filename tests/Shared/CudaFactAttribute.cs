using TorchSharp;

namespace CamSdk.Tests.Support;

/// <summary>A fact that runs only where CUDA is available, and is reported as skipped, with the reason, elsewhere.</summary>
public sealed class CudaFactAttribute : FactAttribute
{
    public CudaFactAttribute()
    {
        if (!torch.cuda.is_available())
        {
            Skip = "CUDA is not available on this machine (no GPU, or a CPU-only TorchSharp backend).";
        }
    }
}
