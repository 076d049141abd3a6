using System.Runtime.CompilerServices;

namespace CamSdk.Tests.Support;

/// <summary>
/// Before any test touches TorchSharp: loads the libtorch CAMSDK_LIBTORCH names, in a test build without its own
/// (-p:CamSdkLibTorch=external, as benchmarks/gpu/run.sh builds the tests to run them on a CUDA libtorch); then makes
/// libtorch's float32 convolution gradients right before any test computes one by hand (see <see cref="NativeBackend"/>:
/// on some machines its oneDNN kernels are wrong).
/// </summary>
internal static class NativeSetup
{
    [ModuleInitializer]
    internal static void Prepare()
    {
        LibTorch.UseFromEnvironment();
        NativeBackend.EnsureCorrectConvolutionGradients();
    }
}
