using System.Runtime.CompilerServices;

namespace CamSdk.Tests.Support;

/// <summary>
/// Makes libtorch's float32 convolution gradients right before any test computes one by hand
/// (see <see cref="NativeBackend"/>: on some machines its oneDNN kernels are wrong).
/// </summary>
internal static class NativeSetup
{
    [ModuleInitializer]
    internal static void EnsureCorrectConvolutionGradients() => NativeBackend.EnsureCorrectConvolutionGradients();
}
